import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { newId } from '../core/ids.js';
import type { SignedReceipt } from '../core/receipt.js';
import { err, ok, type Result } from '../core/result.js';
import type { LeaseBody, Signed, WipeCommandBody, ZoomEventNotice } from '../core/wire.js';
import {
  EVENT_KEY_MEMORY_MS,
  type CommandRecord,
  type CommandState,
  type ComplianceRecord,
  type Deauthorization,
  type DeviceRecord,
  type DeviceUser,
  type DeviceUserStatus,
  type HeldNotice,
  type Ledger,
  type LedgerHealth,
  type MakeWipe,
  type Obligation,
  type OpenedLedger,
  type PendingSummary,
  type ReportCommand,
  type ReportEntry,
  type ReportQuery,
  type SchemaChange,
  type UnusableEvent,
  type ZoomEventRecord,
  type ZoomUser,
} from './ledger.js';
import { toDeauthorization, toReportCommand, type DeauthorizationRow, type ReportCommandRow } from './ledgerRows.js';
import { LEDGER_MIGRATIONS } from './schema.js';

type Db = Database.Database;

interface DeviceUserRow {
  deviceId: string;
  zoomAccountId: string;
  zoomUserId: string;
  status: DeviceUserStatus;
  leaseDeadline: number | null;
}

interface NoticeRow {
  noticeId: string;
  zoomAccountId: string;
  zoomUserId: string;
  event: string;
  eventTs: number;
  object: string;
}

const DEVICE_COLUMNS = 'device_id AS deviceId, public_key AS publicKey, credential_hash AS credentialHash, enrolled_at AS enrolledAt';
const PAIR_COLUMNS = 'device_id AS deviceId, zoom_account_id AS zoomAccountId, zoom_user_id AS zoomUserId, status, lease_deadline AS leaseDeadline';
const DEAUTH_COLUMNS = `event_key AS eventKey, zoom_account_id AS zoomAccountId, zoom_user_id AS zoomUserId, deauthorized_at AS deauthorizedAt,
  user_data_retention AS userDataRetention, received_at AS receivedAt, cloud_copy_deleted_at AS cloudCopyDeletedAt`;
const NOTICE_COLUMNS = 'notice_id AS noticeId, zoom_account_id AS zoomAccountId, zoom_user_id AS zoomUserId, event, event_ts AS eventTs, object';
/** Binds as an integer where "no bound" is meant (SQLite has no infinite integer). */
const NO_BOUND = Number.MAX_SAFE_INTEGER;

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

function toNotice(row: NoticeRow): ZoomEventNotice {
  return { ...row, object: JSON.parse(row.object) as Record<string, unknown> };
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
      pair: db.prepare<[string, string, string], DeviceUserRow>(`SELECT ${PAIR_COLUMNS} FROM device_users
        WHERE device_id = ? AND zoom_account_id = ? AND zoom_user_id = ?`),
      activeOfDevice: db.prepare<[string], DeviceUserRow>(`SELECT ${PAIR_COLUMNS} FROM device_users
        WHERE device_id = ? AND status = 'active' ORDER BY zoom_account_id, zoom_user_id`),
      activeOfUser: db.prepare<[string, string, number], DeviceUserRow>(`SELECT ${PAIR_COLUMNS} FROM device_users
        WHERE zoom_account_id = ? AND zoom_user_id = ? AND status = 'active' AND enrolled_at <= ? ORDER BY device_id`),
      pairsOfUser: db.prepare<[string, string], DeviceUserRow & { receiptId: string | null; publicKey: string }>(`
        SELECT du.device_id AS deviceId, du.zoom_account_id AS zoomAccountId, du.zoom_user_id AS zoomUserId, du.status,
               du.lease_deadline AS leaseDeadline, du.receipt_id AS receiptId, d.public_key AS publicKey
        FROM device_users du JOIN devices d USING (device_id)
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
      receipt: db.prepare<[string, string], { signed: string }>('SELECT signed FROM receipts WHERE device_id = ? AND receipt_id = ?'),
      obligations: db.prepare<[DeviceUserStatus], DeviceUserRow & { openSince: number | null }>(`
        SELECT ${PAIR_COLUMNS},
          (SELECT MIN(c.issued_at) FROM commands c WHERE c.device_id = du.device_id AND c.zoom_account_id = du.zoom_account_id
             AND c.zoom_user_id = du.zoom_user_id AND c.state = 'open') AS openSince
        FROM device_users du WHERE status = ? ORDER BY lease_deadline, device_id`),
      openSummary: db.prepare<[], { openCommands: number; oldestOpenIssuedAt: number | null }>(
        `SELECT COUNT(*) AS openCommands, MIN(issued_at) AS oldestOpenIssuedAt FROM commands WHERE state = 'open'`,
      ),
      pastDeadline: db.prepare<[number], { pastDeadline: number }>(`SELECT COUNT(*) AS pastDeadline FROM device_users WHERE status = 'pending' AND lease_deadline < ?`),
      overdue: db.prepare<[number, number], DeviceUserRow & { openSince: number | null }>(`
        SELECT ${PAIR_COLUMNS},
          (SELECT MIN(c.issued_at) FROM commands c WHERE c.device_id = du.device_id AND c.zoom_account_id = du.zoom_account_id
             AND c.zoom_user_id = du.zoom_user_id AND c.state = 'open') AS openSince
        FROM device_users du WHERE status = 'pending' AND lease_deadline < ? ORDER BY lease_deadline, device_id LIMIT ?`),
      reportDeauthorizations: db.prepare<[number, number, string, number], DeauthorizationRow>(`SELECT ${DEAUTH_COLUMNS} FROM deauthorizations
        WHERE received_at >= ? AND (received_at, event_key) > (?, ?) ORDER BY received_at, event_key LIMIT ?`),
      reportCommands: db.prepare<[string], ReportCommandRow>(`
        SELECT c.event_key AS eventKey, c.command_id AS commandId, c.device_id AS deviceId, c.state, c.issued_at AS issuedAt,
               du.lease_deadline AS leaseDeadline, du.lease_issued_at AS leaseIssuedAt, r.signed AS receipt, d.public_key AS devicePublicKey
        FROM commands c
        JOIN device_users du ON du.device_id = c.device_id AND du.zoom_account_id = c.zoom_account_id AND du.zoom_user_id = c.zoom_user_id
        JOIN devices d ON d.device_id = c.device_id
        LEFT JOIN receipts r ON r.device_id = c.device_id AND r.receipt_id = c.receipt_id
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
      unusable: db.prepare<[], UnusableEvent>('SELECT id, received_at AS receivedAt, event, problem, body FROM unusable_events ORDER BY received_at, rowid'),
      dismissUnusable: db.prepare<[string]>('DELETE FROM unusable_events WHERE id = ?'),
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
      return this.q.activeOfUser.all(event.zoomAccountId, event.zoomUserId, NO_BOUND).map((pair) => {
        const notice: ZoomEventNotice = {
          noticeId: newId(),
          zoomAccountId: event.zoomAccountId,
          zoomUserId: event.zoomUserId,
          event: event.event,
          eventTs: event.eventTs,
          object: event.object,
        };
        this.q.addNotice.run(notice.noticeId, pair.deviceId, notice.zoomAccountId, notice.zoomUserId, notice.event, notice.eventTs, object, event.receivedAt);
        return { deviceId: pair.deviceId, notice };
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

  async unusableEvents(): Promise<UnusableEvent[]> {
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
        this.q.settlePair.run(receipt.reason === 'lease-expired' ? 'self-expired' : 'wiped', receipt.id, deviceId, zoomAccountId, zoomUserId);
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
    const latest = this.q.latestDeauthorization.get(zoomAccountId, zoomUserId);
    const pairs = this.q.pairsOfUser.all(zoomAccountId, zoomUserId);
    if (!latest && pairs.length === 0) return null;
    return {
      zoomAccountId,
      zoomUserId,
      deauthorizedAt: latest?.deauthorizedAt ?? null,
      userDataRetention: latest ? toDeauthorization(latest).userDataRetention : null,
      cloudCopyDeletedAt: latest?.cloudCopyDeletedAt ?? null,
      heldNotices: this.q.userNoticeCount.get(zoomAccountId, zoomUserId)?.count ?? 0,
      devices: pairs.map((pair) => {
        const stored = pair.receiptId ? this.q.receipt.get(pair.deviceId, pair.receiptId) : undefined;
        return {
          deviceId: pair.deviceId,
          status: pair.status,
          leaseDeadline: pair.leaseDeadline,
          receipt: stored ? (JSON.parse(stored.signed) as SignedReceipt) : null,
          devicePublicKey: pair.publicKey,
        };
      }),
    };
  }

  async obligations(status: DeviceUserStatus): Promise<Obligation[]> {
    return this.q.obligations.all(status);
  }

  async knowsUser(user: ZoomUser): Promise<boolean> {
    const row = this.q.knowsUser.get(user.zoomAccountId, user.zoomUserId, user.zoomAccountId, user.zoomUserId);
    return row?.known === 1;
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
    const commands = new Map<string, ReportCommand[]>(page.map((d) => [d.eventKey, []]));
    for (const row of this.q.reportCommands.all(JSON.stringify(page.map((d) => d.eventKey)))) commands.get(row.eventKey)?.push(toReportCommand(row));
    return page.map((d) => ({ ...toDeauthorization(d), cloudCopyDeletedAt: d.cloudCopyDeletedAt, commands: commands.get(d.eventKey) ?? [] }));
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
