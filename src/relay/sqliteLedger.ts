import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import type { SignedReceipt } from '../core/receipt.js';
import { err, ok, type Result } from '../core/result.js';
import type { LeaseBody, Signed, WipeCommandBody, ZoomEventNotice } from '../core/wire.js';
import {
  EVENT_KEY_MEMORY_MS,
  UNUSABLE_BODY_KEPT_MS,
  type CommandRecord,
  type CommandState,
  type ComplianceRecord,
  type ContentSweep,
  type Deauthorization,
  type DeviceRecord,
  type DeviceUser,
  type DeviceUserStatus,
  type HeldContent,
  type HeldNotice,
  type KeptUnusableEvent,
  type Ledger,
  type LedgerHealth,
  type MakeWipe,
  type Obligation,
  type OpenedLedger,
  type PendingSummary,
  type ReportEntry,
  type ReportQuery,
  type SchemaChange,
  type UnusableEvent,
  type ZoomEventRecord,
  type ZoomUser,
} from './ledger.js';
import {
  COMPLIANCE_PAIRS,
  DEAUTH_COLUMNS,
  DEVICE_COLUMNS,
  heldNotice,
  NO_BOUND,
  NOTICE_COLUMNS,
  OPEN_SINCE,
  PAIR_COLUMNS,
  REPORT_COMMANDS,
  settledStatus,
  toComplianceRecord,
  toContentSweep,
  toDeauthorization,
  toNotice,
  toReportEntries,
  UNUSABLE_COLUMNS,
  type CompliancePairRow,
  type DeauthorizationRow,
  type HeldDueRow,
  type NoticeRow,
  type ReportCommandRow,
} from './ledgerRows.js';
import { LEDGER_MIGRATIONS } from './schema.js';

type Db = Database.Database;

function migrate(db: Db): Result<SchemaChange, string> {
  const version = db.pragma('user_version', { simple: true }) as number;
  const latest = LEDGER_MIGRATIONS.at(-1)?.version ?? 0;
  if (version > latest) return err(`relay.db has schema version ${version}, newer than this relay knows (${latest})`);
  for (const m of LEDGER_MIGRATIONS) {
    if (m.version <= version) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return ok({ from: version, to: Math.max(version, latest) });
}

/** Opens (creating 0600 when missing) and migrates the ledger file. */
export function openSqliteLedger(file: string): Result<OpenedLedger, string> {
  let db: Db;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
    db = new Database(file, { timeout: 5_000 });
  } catch (e) {
    return err(`the ledger cannot be opened (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    db.pragma('journal_mode = WAL');
    // The ledger is evidence of deletion: a receipt acknowledged to a device must survive a power cut.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const migrated = migrate(db);
    if (!migrated.ok) {
      db.close();
      return migrated;
    }
    return ok({ ledger: new SqliteLedger(db), schema: migrated.value });
  } catch (e) {
    db.close();
    return err(`the ledger cannot be prepared (${(e as { code?: string }).code ?? 'error'})`);
  }
}

class SqliteLedger implements Ledger {
  private readonly q;

  constructor(private readonly db: Db) {
    this.q = {
      device: db.prepare<[string], DeviceRecord>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE device_id = ?`),
      deviceByCredential: db.prepare<[string], DeviceRecord>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE credential_hash = ?`),
      addDevice: db.prepare<DeviceRecord>(`INSERT INTO devices (device_id, public_key, credential_hash, enrolled_at)
        VALUES (@deviceId, @publicKey, @credentialHash, @enrolledAt) ON CONFLICT DO NOTHING`),
      enrollUser: db.prepare<[string, string, string, number]>(`INSERT INTO device_users (device_id, zoom_account_id, zoom_user_id, status, enrolled_at)
        VALUES (?, ?, ?, 'active', ?)
        ON CONFLICT DO UPDATE SET status = 'active', enrolled_at = excluded.enrolled_at`),
      supersede: db.prepare<[string, string, string]>(`UPDATE commands SET state = 'superseded'
        WHERE device_id = ? AND zoom_account_id = ? AND zoom_user_id = ? AND state = 'open'`),
      pair: db.prepare<[string, string, string], DeviceUser>(`SELECT ${PAIR_COLUMNS} FROM device_users
        WHERE device_id = ? AND zoom_account_id = ? AND zoom_user_id = ?`),
      activeOfDevice: db.prepare<[string], DeviceUser>(`SELECT ${PAIR_COLUMNS} FROM device_users
        WHERE device_id = ? AND status = 'active' ORDER BY zoom_account_id, zoom_user_id`),
      activeOfUser: db.prepare<[string, string, number], DeviceUser>(`SELECT ${PAIR_COLUMNS} FROM device_users
        WHERE zoom_account_id = ? AND zoom_user_id = ? AND status = 'active' AND enrolled_at <= ? ORDER BY device_id`),
      noticeHolders: db.prepare<[string, string, number], { deviceId: string }>(`SELECT device_id AS "deviceId" FROM device_users
        WHERE zoom_account_id = ? AND zoom_user_id = ? AND status = 'active' AND (lease_deadline IS NULL OR lease_deadline > ?) ORDER BY device_id`),
      compliancePairs: db.prepare<[string, string], CompliancePairRow>(`${COMPLIANCE_PAIRS}
        WHERE du.zoom_account_id = ? AND du.zoom_user_id = ? ORDER BY du.device_id`),
      recordLease: db.prepare<{ issuedAt: number; validUntil: number; deviceId: string; zoomAccountId: string; zoomUserId: string }>(`UPDATE device_users
        SET lease_issued_at = CASE WHEN @validUntil >= COALESCE(lease_deadline, 0) THEN @issuedAt ELSE lease_issued_at END,
            lease_deadline = MAX(COALESCE(lease_deadline, 0), @validUntil)
        WHERE device_id = @deviceId AND zoom_account_id = @zoomAccountId AND zoom_user_id = @zoomUserId`),
      setStatus: db.prepare<[DeviceUserStatus, string, string, string]>(`UPDATE device_users SET status = ?
        WHERE device_id = ? AND zoom_account_id = ? AND zoom_user_id = ?`),
      addDeauthorization: db.prepare<[string, string, string, number, string, number]>(`INSERT INTO deauthorizations
        (event_key, zoom_account_id, zoom_user_id, deauthorized_at, user_data_retention, received_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING`),
      latestDeauthorization: db.prepare<[string, string], DeauthorizationRow>(`SELECT ${DEAUTH_COLUMNS} FROM deauthorizations
        WHERE zoom_account_id = ? AND zoom_user_id = ? ORDER BY deauthorized_at DESC, received_at DESC, rowid DESC LIMIT 1`),
      cloudCopiesPending: db.prepare<[], DeauthorizationRow>(`SELECT ${DEAUTH_COLUMNS} FROM deauthorizations
        WHERE cloud_copy_deleted_at IS NULL ORDER BY received_at`),
      cloudCopyDeleted: db.prepare<[number, string]>('UPDATE deauthorizations SET cloud_copy_deleted_at = ? WHERE event_key = ? AND cloud_copy_deleted_at IS NULL'),
      addCommand: db.prepare<[string, string, string, string, string | null, number, string]>(`INSERT INTO commands
        (command_id, device_id, zoom_account_id, zoom_user_id, event_key, issued_at, signed, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'open')`),
      openCommands: db.prepare<[string], { signed: string }>(`SELECT signed FROM commands WHERE device_id = ? AND state = 'open' ORDER BY issued_at, command_id`),
      command: db.prepare<[string], { signed: string; state: CommandState }>('SELECT signed, state FROM commands WHERE command_id = ?'),
      settleCommands: db.prepare<[string, string, string, string]>(`UPDATE commands SET state = 'done', receipt_id = ?
        WHERE device_id = ? AND zoom_account_id = ? AND zoom_user_id = ? AND state = 'open'`),
      addReceipt: db.prepare<[string, string, string, string, string | null, string, number, string]>(`INSERT INTO receipts
        (device_id, receipt_id, zoom_account_id, zoom_user_id, command_id, reason, received_at, signed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING`),
      // Only the first settling receipt decides: a later one (a re-sent command answered after a
      // self-expiry, say) is kept as history but does not rewrite how the data went.
      settlePair: db.prepare<[DeviceUserStatus, string, string, string, string]>(`UPDATE device_users SET status = ?, receipt_id = ?
        WHERE device_id = ? AND zoom_account_id = ? AND zoom_user_id = ? AND status IN ('active', 'pending')`),
      obligations: db.prepare<[DeviceUserStatus], Obligation>(`SELECT ${PAIR_COLUMNS}, ${OPEN_SINCE}
        FROM device_users du WHERE status = ? ORDER BY lease_deadline, device_id`),
      openSummary: db.prepare<[], { openCommands: number; oldestOpenIssuedAt: number | null }>(
        `SELECT COUNT(*) AS openCommands, MIN(issued_at) AS oldestOpenIssuedAt FROM commands WHERE state = 'open'`,
      ),
      pastDeadline: db.prepare<[number], { pastDeadline: number }>(`SELECT COUNT(*) AS pastDeadline FROM device_users WHERE status = 'pending' AND lease_deadline < ?`),
      overdue: db.prepare<[number, number], Obligation>(`SELECT ${PAIR_COLUMNS}, ${OPEN_SINCE}
        FROM device_users du WHERE status = 'pending' AND lease_deadline < ? ORDER BY lease_deadline, device_id LIMIT ?`),
      reportDeauthorizations: db.prepare<[number, number, string, number], DeauthorizationRow>(`SELECT ${DEAUTH_COLUMNS} FROM deauthorizations
        WHERE received_at >= ? AND (received_at, event_key) > (?, ?) ORDER BY received_at, event_key LIMIT ?`),
      reportCommands: db.prepare<[string], ReportCommandRow>(`${REPORT_COMMANDS}
        WHERE c.event_key IN (SELECT value FROM json_each(?)) ORDER BY c.device_id, c.issued_at`),
      addEventKey: db.prepare<[string, number]>('INSERT INTO zoom_event_keys (event_key, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      forgetEventKeys: db.prepare<[number]>('DELETE FROM zoom_event_keys WHERE received_at < ?'),
      addNotice: db.prepare<[string, string, string, string, string, number, string, number]>(`INSERT INTO notices
        (notice_id, device_id, zoom_account_id, zoom_user_id, event, event_ts, object, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      heldNotices: db.prepare<[string], NoticeRow>(`SELECT ${NOTICE_COLUMNS} FROM notices WHERE device_id = ? ORDER BY seq`),
      ackNotice: db.prepare<[string, string]>('DELETE FROM notices WHERE device_id = ? AND notice_id = ?'),
      dropPairNotices: db.prepare<[string, string, string]>('DELETE FROM notices WHERE device_id = ? AND zoom_account_id = ? AND zoom_user_id = ?'),
      userNoticeCount: db.prepare<[string, string], { count: number }>('SELECT COUNT(*) AS count FROM notices WHERE zoom_account_id = ? AND zoom_user_id = ?'),
      keepUnusable: db.prepare<UnusableEvent>(`INSERT INTO unusable_events (id, received_at, event, problem, body)
        VALUES (@id, @receivedAt, @event, @problem, @body) ON CONFLICT DO NOTHING`),
      unusable: db.prepare<[], KeptUnusableEvent>(`SELECT ${UNUSABLE_COLUMNS} FROM unusable_events ORDER BY received_at, seq`),
      dismissUnusable: db.prepare<[string]>('DELETE FROM unusable_events WHERE id = ?'),
      dropBodies: db.prepare<[number, number]>('UPDATE unusable_events SET body = NULL, body_dropped_at = ? WHERE body IS NOT NULL AND received_at <= ?'),
      dropNoticesPastDeadline: db.prepare<[number]>(`DELETE FROM notices WHERE EXISTS (SELECT 1 FROM device_users du
        WHERE du.device_id = notices.device_id AND du.zoom_account_id = notices.zoom_account_id AND du.zoom_user_id = notices.zoom_user_id
          AND du.lease_deadline <= ?)`),
      heldDue: db.prepare<[], HeldDueRow>(`SELECT
        (SELECT MIN(received_at) FROM unusable_events WHERE body IS NOT NULL) AS "oldestBodyReceivedAt",
        (SELECT MIN(du.lease_deadline) FROM notices n JOIN device_users du
           ON du.device_id = n.device_id AND du.zoom_account_id = n.zoom_account_id AND du.zoom_user_id = n.zoom_user_id) AS "nextNoticeDeadline"`),
      heldContent: db.prepare<[], HeldContent>(`SELECT (SELECT COUNT(*) FROM notices) AS notices,
        (SELECT COUNT(*) FROM unusable_events WHERE body IS NOT NULL) AS "unusableBodies",
        (SELECT MIN(received_at) FROM unusable_events WHERE body IS NOT NULL) AS "oldestBodyReceivedAt"`),
      knowsUser: db.prepare<[string, string, string, string], { known: number }>(`SELECT
        EXISTS (SELECT 1 FROM device_users WHERE zoom_account_id = ? AND zoom_user_id = ?)
        OR EXISTS (SELECT 1 FROM deauthorizations WHERE zoom_account_id = ? AND zoom_user_id = ?) AS known`),
    };
  }

  async device(deviceId: string): Promise<DeviceRecord | null> {
    return this.q.device.get(deviceId) ?? null;
  }

  async deviceByCredential(credentialHash: string): Promise<DeviceRecord | null> {
    return this.q.deviceByCredential.get(credentialHash) ?? null;
  }

  async addDevice(device: DeviceRecord): Promise<boolean> {
    return this.q.addDevice.run(device).changes > 0;
  }

  async enrollUser(deviceId: string, user: ZoomUser, at: number): Promise<void> {
    this.db.transaction(() => {
      this.q.enrollUser.run(deviceId, user.zoomAccountId, user.zoomUserId, at);
      this.q.supersede.run(deviceId, user.zoomAccountId, user.zoomUserId);
    })();
  }

  async isEnrolled(deviceId: string, user: ZoomUser): Promise<boolean> {
    return this.q.pair.get(deviceId, user.zoomAccountId, user.zoomUserId) !== undefined;
  }

  async activeUsers(deviceId: string): Promise<DeviceUser[]> {
    return this.q.activeOfDevice.all(deviceId);
  }

  async activeDevices(user: ZoomUser): Promise<string[]> {
    return this.q.activeOfUser.all(user.zoomAccountId, user.zoomUserId, NO_BOUND).map((pair) => pair.deviceId);
  }

  async recordLease(lease: LeaseBody): Promise<void> {
    this.q.recordLease.run(lease);
  }

  async recordDeauthorization(event: Deauthorization, makeWipe: MakeWipe, spareEnrolledAfter: number): Promise<Signed<WipeCommandBody>[] | null> {
    return this.db.transaction(() => {
      const added = this.q.addDeauthorization.run(
        event.eventKey,
        event.zoomAccountId,
        event.zoomUserId,
        event.deauthorizedAt,
        JSON.stringify(event.userDataRetention),
        event.receivedAt,
      );
      if (added.changes === 0) return null;
      return this.wipeActive(event, makeWipe, spareEnrolledAfter, event.eventKey);
    })();
  }

  async issueWipes(user: ZoomUser, makeWipe: MakeWipe): Promise<Signed<WipeCommandBody>[]> {
    return this.db.transaction(() => this.wipeActive(user, makeWipe, NO_BOUND, null))();
  }

  /** Inside a transaction. */
  private wipeActive(user: ZoomUser, makeWipe: MakeWipe, enrolledBy: number, eventKey: string | null): Signed<WipeCommandBody>[] {
    return this.q.activeOfUser.all(user.zoomAccountId, user.zoomUserId, enrolledBy).map((pair) => {
      const signed = makeWipe(pair);
      const { body } = signed;
      this.q.addCommand.run(body.commandId, pair.deviceId, pair.zoomAccountId, pair.zoomUserId, eventKey, body.issuedAt, JSON.stringify(signed));
      this.q.setStatus.run('pending', pair.deviceId, pair.zoomAccountId, pair.zoomUserId);
      this.q.dropPairNotices.run(pair.deviceId, pair.zoomAccountId, pair.zoomUserId);
      return signed;
    });
  }

  async recordZoomEvent(event: ZoomEventRecord): Promise<HeldNotice[] | null> {
    return this.db.transaction(() => {
      this.q.forgetEventKeys.run(event.receivedAt - EVENT_KEY_MEMORY_MS);
      if (this.q.addEventKey.run(event.eventKey, event.receivedAt).changes === 0) return null;
      const object = JSON.stringify(event.object);
      return this.q.noticeHolders.all(event.zoomAccountId, event.zoomUserId, event.receivedAt).map(({ deviceId }) => {
        const held = heldNotice(event, deviceId);
        this.q.addNotice.run(held.notice.noticeId, deviceId, event.zoomAccountId, event.zoomUserId, event.event, event.eventTs, object, event.receivedAt);
        return held;
      });
    })();
  }

  async heldNotices(deviceId: string): Promise<ZoomEventNotice[]> {
    return this.q.heldNotices.all(deviceId).map(toNotice);
  }

  async ackNotice(deviceId: string, noticeId: string): Promise<boolean> {
    return this.q.ackNotice.run(deviceId, noticeId).changes > 0;
  }

  async keepUnusableEvent(event: UnusableEvent): Promise<void> {
    this.q.keepUnusable.run(event);
  }

  async unusableEvents(): Promise<KeptUnusableEvent[]> {
    return this.q.unusable.all();
  }

  async dismissUnusableEvent(id: string): Promise<boolean> {
    return this.q.dismissUnusable.run(id).changes > 0;
  }

  async openCommands(deviceId: string): Promise<Signed<WipeCommandBody>[]> {
    return this.q.openCommands.all(deviceId).map((row) => JSON.parse(row.signed) as Signed<WipeCommandBody>);
  }

  async command(commandId: string): Promise<CommandRecord | null> {
    const row = this.q.command.get(commandId);
    return row ? { command: JSON.parse(row.signed) as Signed<WipeCommandBody>, state: row.state } : null;
  }

  async recordReceipt(receipt: SignedReceipt, settles: boolean, at: number): Promise<'stored' | 'duplicate'> {
    const { deviceId, zoomAccountId, zoomUserId } = receipt;
    return this.db.transaction(() => {
      const added = this.q.addReceipt.run(deviceId, receipt.id, zoomAccountId, zoomUserId, receipt.commandId, receipt.reason, at, JSON.stringify(receipt));
      if (added.changes === 0) return 'duplicate' as const;
      if (settles) {
        this.q.settlePair.run(settledStatus(receipt), receipt.id, deviceId, zoomAccountId, zoomUserId);
        this.q.settleCommands.run(receipt.id, deviceId, zoomAccountId, zoomUserId);
        this.q.dropPairNotices.run(deviceId, zoomAccountId, zoomUserId);
      }
      return 'stored' as const;
    })();
  }

  async cloudCopyDeleted(eventKey: string, at: number): Promise<void> {
    this.q.cloudCopyDeleted.run(at, eventKey);
  }

  async cloudCopiesPending(): Promise<Deauthorization[]> {
    return this.q.cloudCopiesPending.all().map(toDeauthorization);
  }

  async compliance(user: ZoomUser): Promise<ComplianceRecord | null> {
    const { zoomAccountId, zoomUserId } = user;
    const heldNotices = this.q.userNoticeCount.get(zoomAccountId, zoomUserId)?.count ?? 0;
    return toComplianceRecord(user, this.q.latestDeauthorization.get(zoomAccountId, zoomUserId), this.q.compliancePairs.all(zoomAccountId, zoomUserId), heldNotices);
  }

  async obligations(status: DeviceUserStatus): Promise<Obligation[]> {
    return this.q.obligations.all(status);
  }

  async knowsUser(user: ZoomUser): Promise<boolean> {
    const row = this.q.knowsUser.get(user.zoomAccountId, user.zoomUserId, user.zoomAccountId, user.zoomUserId);
    return row?.known === 1;
  }

  async sweepContent(now: number): Promise<ContentSweep> {
    return this.db.transaction(() => {
      const noticesDropped = this.q.dropNoticesPastDeadline.run(now).changes;
      const bodiesDropped = this.q.dropBodies.run(now, now - UNUSABLE_BODY_KEPT_MS).changes;
      return toContentSweep(noticesDropped, bodiesDropped, this.q.heldDue.get() ?? { oldestBodyReceivedAt: null, nextNoticeDeadline: null });
    })();
  }

  async heldContent(): Promise<HeldContent> {
    return this.q.heldContent.get() ?? { notices: 0, unusableBodies: 0, oldestBodyReceivedAt: null };
  }

  async pendingSummary(now: number): Promise<PendingSummary> {
    const open = this.q.openSummary.get() ?? { openCommands: 0, oldestOpenIssuedAt: null };
    return { ...open, pastDeadline: this.q.pastDeadline.get(now)?.pastDeadline ?? 0 };
  }

  async overdue(now: number, limit: number): Promise<Obligation[]> {
    return this.q.overdue.all(now, limit);
  }

  async deauthorizationReport(query: ReportQuery): Promise<ReportEntry[]> {
    const page = this.q.reportDeauthorizations.all(query.since, query.after?.receivedAt ?? -1, query.after?.eventKey ?? '', query.limit);
    return toReportEntries(page, this.q.reportCommands.all(JSON.stringify(page.map((d) => d.eventKey))));
  }

  async health(): Promise<LedgerHealth> {
    return { reachable: this.db.open, listening: null };
  }

  /** One process holds the file: no other instance records work to be woken for. */
  async watch(): Promise<void> {}

  roundTrips(): number {
    return 0;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
