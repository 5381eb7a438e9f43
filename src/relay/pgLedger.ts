import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Clock } from '../core/clock.js';
import type { SignedReceipt } from '../core/receipt.js';
import { err, ok, type Result } from '../core/result.js';
import type { LeaseBody, Signed, WipeCommandBody, ZoomEventNotice } from '../core/wire.js';
import type { Logger } from '../platform/logger.js';
import {
  EVENT_KEY_MEMORY_MS,
  LedgerUnavailableError,
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
  type LedgerWatcher,
  type MakeWipe,
  type Obligation,
  type OpenedLedger,
  type PendingSummary,
  type ReportEntry,
  type ReportQuery,
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
import { connectionConfig, describeServer, pgErrorCode, translatePgError } from './pgConnection.js';
import { migratePostgres } from './pgMigrate.js';
import { WAKE_CHANNEL, WakeListener, wakePayloads } from './pgWake.js';

// The ledger on PostgreSQL, shared by every relay instance. Every multi-row change is one
// transaction (or one statement); unique keys, not timing, make concurrent deliveries of one Zoom
// event or one receipt count once; the rows of a user being wiped are locked while its commands
// are written, so two deauthorizations arriving together issue one command per device.

/** Deadlocks and serialization failures: the transaction is tried again from the start. */
const RETRYABLE_SQLSTATE = new Set(['40P01', '40001']);
const TRANSACTION_ATTEMPTS = 3;
const DEFAULT_POOL_SIZE = 10;

type Query = <R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<pg.QueryResult<R>>;

export interface PgLedgerOptions {
  clock: Clock;
  log: Logger;
  /** Connections per instance (besides the one that listens); default 10. */
  poolSize?: number;
}

/** Connects, migrates, and returns the ledger; a message naming the server (never its password) when it cannot. */
export async function openPgLedger(url: string, o: PgLedgerOptions): Promise<Result<OpenedLedger, string>> {
  const server = describeServer(url);
  const config = connectionConfig(url, 'callvault-relay');
  const pool = new pg.Pool({ ...config, max: o.poolSize ?? DEFAULT_POOL_SIZE });
  // An idle connection that the server closes (a restart) is reported here; the pool drops it.
  pool.on('error', (e) => o.log.warn({ err: pgErrorCode(e) }, 'idle ledger connection lost'));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    await pool.end().catch(() => {});
    return err(`cannot reach PostgreSQL at ${server} (${pgErrorCode(e)})`);
  }
  // Checked out, so the pool's listener does not cover it (see transaction below).
  const lost = (e: Error): void => o.log.warn({ err: pgErrorCode(e) }, 'ledger connection lost while migrating');
  client.on('error', lost);
  try {
    const migrated = await migratePostgres(client, server);
    client.off('error', lost);
    client.release();
    if (!migrated.ok) {
      await pool.end();
      return migrated;
    }
    return ok({ ledger: new PgLedger(pool, { ...config, application_name: 'callvault-relay-wake' }, server, o), schema: migrated.value });
  } catch (e) {
    client.off('error', lost);
    client.release(true);
    await pool.end().catch(() => {});
    return err(`cannot migrate the ledger at ${server} (${pgErrorCode(e)})`);
  }
}

class PgLedger implements Ledger {
  /** Names this instance in wake notifications, so it skips its own. */
  private readonly instanceId = randomUUID();
  private queries = 0;
  private listener: WakeListener | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly listenConfig: pg.ClientConfig,
    private readonly server: string,
    private readonly o: PgLedgerOptions,
  ) {}

  /** Counts a round trip, and turns a failure to reach the server into LedgerUnavailableError. */
  private async sent<R>(send: () => Promise<R>): Promise<R> {
    this.queries++;
    try {
      return await send();
    } catch (e) {
      throw translatePgError(e, this.server);
    }
  }

  /** One statement on any pooled connection. */
  private query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.sent(() => this.pool.query<R>(text, values));
  }

  /** Runs `work` in one transaction on one connection, trying again after a deadlock. */
  private async transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw translatePgError(e, this.server);
      }
      const query: Query = (text, values) => this.sent(() => client.query(text, values));
      // A connection that failed mid-transaction is discarded, not returned to the pool.
      let broken = false;
      // The pool watches only its idle connections. A server that ends the session between two
      // statements of ours (a restart) reports it as an 'error' event on this one, which nobody
      // would hear, ending the process; the next statement then fails as unavailable.
      const lost = (e: Error): void => {
        broken = true;
        this.o.log.warn({ err: pgErrorCode(e) }, 'ledger connection lost mid-transaction');
      };
      client.on('error', lost);
      try {
        await query('BEGIN');
        const result = await work(query);
        await query('COMMIT');
        return result;
      } catch (e) {
        broken = e instanceof LedgerUnavailableError;
        if (!broken) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
        }
        if (e instanceof pg.DatabaseError && RETRYABLE_SQLSTATE.has(e.code ?? '') && attempt < TRANSACTION_ATTEMPTS) continue;
        throw e;
      } finally {
        client.off('error', lost);
        client.release(broken);
      }
    }
  }

  async device(deviceId: string): Promise<DeviceRecord | null> {
    return (await this.query<DeviceRecord>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE device_id = $1`, [deviceId])).rows[0] ?? null;
  }

  async deviceByCredential(credentialHash: string): Promise<DeviceRecord | null> {
    return (await this.query<DeviceRecord>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE credential_hash = $1`, [credentialHash])).rows[0] ?? null;
  }

  async addDevice(d: DeviceRecord): Promise<boolean> {
    const added = await this.query('INSERT INTO devices (device_id, public_key, credential_hash, enrolled_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      d.deviceId,
      d.publicKey,
      d.credentialHash,
      d.enrolledAt,
    ]);
    return (added.rowCount ?? 0) > 0;
  }

  async enrollUser(deviceId: string, user: ZoomUser, at: number): Promise<void> {
    const pair = [deviceId, user.zoomAccountId, user.zoomUserId];
    // Two statements, not one: the second must see commands committed while the first waited for the pair's lock.
    await this.transaction(async (query) => {
      await query(
        `INSERT INTO device_users (device_id, zoom_account_id, zoom_user_id, status, enrolled_at) VALUES ($1, $2, $3, 'active', $4)
         ON CONFLICT (device_id, zoom_account_id, zoom_user_id) DO UPDATE SET status = 'active', enrolled_at = EXCLUDED.enrolled_at`,
        [...pair, at],
      );
      await query(`UPDATE commands SET state = 'superseded' WHERE device_id = $1 AND zoom_account_id = $2 AND zoom_user_id = $3 AND state = 'open'`, pair);
    });
  }

  async isEnrolled(deviceId: string, user: ZoomUser): Promise<boolean> {
    const found = await this.query('SELECT 1 FROM device_users WHERE device_id = $1 AND zoom_account_id = $2 AND zoom_user_id = $3', [
      deviceId,
      user.zoomAccountId,
      user.zoomUserId,
    ]);
    return found.rows.length > 0;
  }

  async activeUsers(deviceId: string): Promise<DeviceUser[]> {
    return (
      await this.query<DeviceUser>(`SELECT ${PAIR_COLUMNS} FROM device_users WHERE device_id = $1 AND status = 'active' ORDER BY zoom_account_id, zoom_user_id`, [deviceId])
    ).rows;
  }

  async activeDevices(user: ZoomUser): Promise<string[]> {
    const rows = await this.query<{ deviceId: string }>(
      `SELECT device_id AS "deviceId" FROM device_users WHERE zoom_account_id = $1 AND zoom_user_id = $2 AND status = 'active' ORDER BY device_id`,
      [user.zoomAccountId, user.zoomUserId],
    );
    return rows.rows.map((r) => r.deviceId);
  }

  async recordLease(lease: LeaseBody): Promise<void> {
    await this.query(
      `UPDATE device_users
       SET lease_issued_at = CASE WHEN $1 >= COALESCE(lease_deadline, 0) THEN $2 ELSE lease_issued_at END,
           lease_deadline = GREATEST(COALESCE(lease_deadline, 0), $1)
       WHERE device_id = $3 AND zoom_account_id = $4 AND zoom_user_id = $5`,
      [lease.validUntil, lease.issuedAt, lease.deviceId, lease.zoomAccountId, lease.zoomUserId],
    );
  }

  async recordDeauthorization(event: Deauthorization, makeWipe: MakeWipe, spareEnrolledAfter: number): Promise<Signed<WipeCommandBody>[] | null> {
    return this.transaction(async (query) => {
      // A second delivery of the event waits here for the first to commit, then inserts nothing.
      const added = await query(
        `INSERT INTO deauthorizations (event_key, zoom_account_id, zoom_user_id, deauthorized_at, user_data_retention, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [event.eventKey, event.zoomAccountId, event.zoomUserId, event.deauthorizedAt, JSON.stringify(event.userDataRetention), event.receivedAt],
      );
      if ((added.rowCount ?? 0) === 0) return null;
      return this.wipeActive(query, event, makeWipe, spareEnrolledAfter, event.eventKey);
    });
  }

  async issueWipes(user: ZoomUser, makeWipe: MakeWipe): Promise<Signed<WipeCommandBody>[]> {
    return this.transaction((query) => this.wipeActive(query, user, makeWipe, NO_BOUND, null));
  }

  /**
   * Inside a transaction: locks the user's active pairs enrolled by `enrolledBy` (a concurrent wipe
   * of the same user waits, then finds them pending), writes one command each, drops their held
   * notices, and announces the commands to the other instances on commit.
   */
  private async wipeActive(query: Query, user: ZoomUser, makeWipe: MakeWipe, enrolledBy: number, eventKey: string | null): Promise<Signed<WipeCommandBody>[]> {
    const pairs = await query<DeviceUser>(
      `SELECT ${PAIR_COLUMNS} FROM device_users WHERE zoom_account_id = $1 AND zoom_user_id = $2 AND status = 'active' AND enrolled_at <= $3
       ORDER BY device_id FOR UPDATE`,
      [user.zoomAccountId, user.zoomUserId, enrolledBy],
    );
    const commands = pairs.rows.map(makeWipe);
    if (commands.length === 0) return [];
    await query(
      `WITH added AS (
         INSERT INTO commands (command_id, device_id, zoom_account_id, zoom_user_id, event_key, issued_at, signed, state)
         SELECT c.command_id, c.device_id, $3, $4, $5, c.issued_at, c.signed, 'open'
         FROM unnest($1::text[], $2::text[], $6::bigint[], $7::text[]) AS c (command_id, device_id, issued_at, signed)
         RETURNING device_id),
       pending AS (
         UPDATE device_users SET status = 'pending'
         WHERE zoom_account_id = $3 AND zoom_user_id = $4 AND device_id IN (SELECT device_id FROM added)),
       dropped AS (
         DELETE FROM notices WHERE zoom_account_id = $3 AND zoom_user_id = $4 AND device_id IN (SELECT device_id FROM added))
       SELECT pg_notify('${WAKE_CHANNEL}', payload) FROM unnest($8::text[]) AS payload`,
      [
        commands.map((c) => c.body.commandId),
        commands.map((c) => c.body.deviceId),
        user.zoomAccountId,
        user.zoomUserId,
        eventKey,
        commands.map((c) => c.body.issuedAt),
        commands.map((c) => JSON.stringify(c)),
        wakePayloads(
          this.instanceId,
          commands.map((c) => c.body.deviceId),
        ),
      ],
    );
    return commands;
  }

  async recordZoomEvent(event: ZoomEventRecord): Promise<HeldNotice[] | null> {
    return this.transaction(async (query) => {
      await query('DELETE FROM zoom_event_keys WHERE received_at < $1', [event.receivedAt - EVENT_KEY_MEMORY_MS]);
      const added = await query('INSERT INTO zoom_event_keys (event_key, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [event.eventKey, event.receivedAt]);
      if ((added.rowCount ?? 0) === 0) return null;
      // Shared locks: a deauthorization of the user wipes these pairs either before (they are not
      // active then) or after this commits (and then deletes the notices held here).
      const pairs = await query<{ deviceId: string }>(
        `SELECT device_id AS "deviceId" FROM device_users
         WHERE zoom_account_id = $1 AND zoom_user_id = $2 AND status = 'active' AND (lease_deadline IS NULL OR lease_deadline > $3)
         ORDER BY device_id FOR SHARE`,
        [event.zoomAccountId, event.zoomUserId, event.receivedAt],
      );
      const held = pairs.rows.map(({ deviceId }) => heldNotice(event, deviceId));
      if (held.length === 0) return held;
      const deviceIds = held.map((h) => h.deviceId);
      await query(
        `WITH added AS (
           INSERT INTO notices (notice_id, device_id, zoom_account_id, zoom_user_id, event, event_ts, object, received_at)
           SELECT n.notice_id, n.device_id, $3, $4, $5, $6, $7, $8 FROM unnest($1::text[], $2::text[]) AS n (notice_id, device_id))
         SELECT pg_notify('${WAKE_CHANNEL}', payload) FROM unnest($9::text[]) AS payload`,
        [
          held.map((h) => h.notice.noticeId),
          deviceIds,
          event.zoomAccountId,
          event.zoomUserId,
          event.event,
          event.eventTs,
          JSON.stringify(event.object),
          event.receivedAt,
          wakePayloads(this.instanceId, deviceIds),
        ],
      );
      return held;
    });
  }

  async heldNotices(deviceId: string): Promise<ZoomEventNotice[]> {
    return (await this.query<NoticeRow>(`SELECT ${NOTICE_COLUMNS} FROM notices WHERE device_id = $1 ORDER BY seq`, [deviceId])).rows.map(toNotice);
  }

  async ackNotice(deviceId: string, noticeId: string): Promise<boolean> {
    return ((await this.query('DELETE FROM notices WHERE device_id = $1 AND notice_id = $2', [deviceId, noticeId])).rowCount ?? 0) > 0;
  }

  async keepUnusableEvent(e: UnusableEvent): Promise<void> {
    await this.query('INSERT INTO unusable_events (id, received_at, event, problem, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
      e.id,
      e.receivedAt,
      e.event,
      e.problem,
      e.body,
    ]);
  }

  async unusableEvents(): Promise<KeptUnusableEvent[]> {
    return (await this.query<KeptUnusableEvent>(`SELECT ${UNUSABLE_COLUMNS} FROM unusable_events ORDER BY received_at, seq`)).rows;
  }

  async dismissUnusableEvent(id: string): Promise<boolean> {
    return ((await this.query('DELETE FROM unusable_events WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async openCommands(deviceId: string): Promise<Signed<WipeCommandBody>[]> {
    const rows = await this.query<{ signed: string }>(`SELECT signed FROM commands WHERE device_id = $1 AND state = 'open' ORDER BY issued_at, command_id`, [deviceId]);
    return rows.rows.map((r) => JSON.parse(r.signed) as Signed<WipeCommandBody>);
  }

  async command(commandId: string): Promise<CommandRecord | null> {
    const row = (await this.query<{ signed: string; state: CommandState }>('SELECT signed, state FROM commands WHERE command_id = $1', [commandId])).rows[0];
    return row ? { command: JSON.parse(row.signed) as Signed<WipeCommandBody>, state: row.state } : null;
  }

  async recordReceipt(receipt: SignedReceipt, settles: boolean, at: number): Promise<'stored' | 'duplicate'> {
    // One statement, so one transaction: the same receipt taken by two instances at once is
    // inserted by the first; the second waits on the key, inserts nothing and settles nothing.
    // Only the first settling receipt decides the pair's status (as on SQLite); a settled pair's
    // held notices go.
    const result = await this.query<{ added: number }>(
      `WITH added AS (
         INSERT INTO receipts (device_id, receipt_id, zoom_account_id, zoom_user_id, command_id, reason, received_at, signed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING receipt_id),
       settled_pair AS (
         UPDATE device_users SET status = $9, receipt_id = $2
         WHERE $10::boolean AND EXISTS (SELECT 1 FROM added)
           AND device_id = $1 AND zoom_account_id = $3 AND zoom_user_id = $4 AND status IN ('active', 'pending')),
       settled_commands AS (
         UPDATE commands SET state = 'done', receipt_id = $2
         WHERE $10::boolean AND EXISTS (SELECT 1 FROM added)
           AND device_id = $1 AND zoom_account_id = $3 AND zoom_user_id = $4 AND state = 'open'),
       dropped_notices AS (
         DELETE FROM notices
         WHERE $10::boolean AND EXISTS (SELECT 1 FROM added) AND device_id = $1 AND zoom_account_id = $3 AND zoom_user_id = $4)
       SELECT COUNT(*)::int AS added FROM added`,
      [
        receipt.deviceId,
        receipt.id,
        receipt.zoomAccountId,
        receipt.zoomUserId,
        receipt.commandId,
        receipt.reason,
        at,
        JSON.stringify(receipt),
        settledStatus(receipt),
        settles,
      ],
    );
    return (result.rows[0]?.added ?? 0) > 0 ? 'stored' : 'duplicate';
  }

  async cloudCopyDeleted(eventKey: string, at: number): Promise<void> {
    await this.query('UPDATE deauthorizations SET cloud_copy_deleted_at = $1 WHERE event_key = $2 AND cloud_copy_deleted_at IS NULL', [at, eventKey]);
  }

  async cloudCopiesPending(): Promise<Deauthorization[]> {
    const rows = await this.query<DeauthorizationRow>(`SELECT ${DEAUTH_COLUMNS} FROM deauthorizations WHERE cloud_copy_deleted_at IS NULL ORDER BY received_at`);
    return rows.rows.map(toDeauthorization);
  }

  async compliance(user: ZoomUser): Promise<ComplianceRecord | null> {
    const { zoomAccountId, zoomUserId } = user;
    const latest = (
      await this.query<DeauthorizationRow>(
        `SELECT ${DEAUTH_COLUMNS} FROM deauthorizations WHERE zoom_account_id = $1 AND zoom_user_id = $2
         ORDER BY deauthorized_at DESC, received_at DESC, seq DESC LIMIT 1`,
        [zoomAccountId, zoomUserId],
      )
    ).rows[0];
    const pairs = await this.query<CompliancePairRow>(`${COMPLIANCE_PAIRS} WHERE du.zoom_account_id = $1 AND du.zoom_user_id = $2 ORDER BY du.device_id`, [
      zoomAccountId,
      zoomUserId,
    ]);
    if (!latest && pairs.rows.length === 0) return null;
    const notices = await this.query<{ count: number }>('SELECT COUNT(*)::int AS count FROM notices WHERE zoom_account_id = $1 AND zoom_user_id = $2', [zoomAccountId, zoomUserId]);
    return toComplianceRecord(user, latest, pairs.rows, notices.rows[0]?.count ?? 0);
  }

  async obligations(status: DeviceUserStatus): Promise<Obligation[]> {
    const rows = await this.query<Obligation>(`SELECT ${PAIR_COLUMNS}, ${OPEN_SINCE} FROM device_users du WHERE status = $1 ORDER BY lease_deadline, device_id`, [status]);
    return rows.rows;
  }

  async knowsUser(user: ZoomUser): Promise<boolean> {
    const row = await this.query<{ known: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM device_users WHERE zoom_account_id = $1 AND zoom_user_id = $2)
           OR EXISTS (SELECT 1 FROM deauthorizations WHERE zoom_account_id = $1 AND zoom_user_id = $2) AS known`,
      [user.zoomAccountId, user.zoomUserId],
    );
    return row.rows[0]?.known === true;
  }

  async sweepContent(now: number): Promise<ContentSweep> {
    // One statement: its SELECT sees the tables as they were before it, hence the bounds that leave
    // out what it drops.
    const swept = await this.transaction((query) =>
      query<HeldDueRow & { noticesDropped: number; bodiesDropped: number }>(
        `WITH dropped_notices AS (
           DELETE FROM notices n USING device_users du
           WHERE du.device_id = n.device_id AND du.zoom_account_id = n.zoom_account_id AND du.zoom_user_id = n.zoom_user_id AND du.lease_deadline <= $1
           RETURNING 1),
         dropped_bodies AS (
           UPDATE unusable_events SET body = NULL, body_dropped_at = $1 WHERE body IS NOT NULL AND received_at <= $2 RETURNING 1)
         SELECT (SELECT COUNT(*)::int FROM dropped_notices) AS "noticesDropped",
                (SELECT COUNT(*)::int FROM dropped_bodies) AS "bodiesDropped",
                (SELECT MIN(received_at) FROM unusable_events WHERE body IS NOT NULL AND received_at > $2) AS "oldestBodyReceivedAt",
                (SELECT MIN(du.lease_deadline) FROM notices n JOIN device_users du
                   ON du.device_id = n.device_id AND du.zoom_account_id = n.zoom_account_id AND du.zoom_user_id = n.zoom_user_id
                 WHERE du.lease_deadline > $1) AS "nextNoticeDeadline"`,
        [now, now - UNUSABLE_BODY_KEPT_MS],
      ),
    );
    const row = swept.rows[0] ?? { noticesDropped: 0, bodiesDropped: 0, oldestBodyReceivedAt: null, nextNoticeDeadline: null };
    return toContentSweep(row.noticesDropped, row.bodiesDropped, row);
  }

  async heldContent(): Promise<HeldContent> {
    const row = await this.query<HeldContent>(
      `SELECT (SELECT COUNT(*)::int FROM notices) AS notices,
              (SELECT COUNT(*)::int FROM unusable_events WHERE body IS NOT NULL) AS "unusableBodies",
              (SELECT MIN(received_at) FROM unusable_events WHERE body IS NOT NULL) AS "oldestBodyReceivedAt"`,
    );
    return row.rows[0] ?? { notices: 0, unusableBodies: 0, oldestBodyReceivedAt: null };
  }

  async pendingSummary(now: number): Promise<PendingSummary> {
    const row = await this.query<PendingSummary>(
      `SELECT (SELECT COUNT(*)::int FROM commands WHERE state = 'open') AS "openCommands",
              (SELECT MIN(issued_at) FROM commands WHERE state = 'open') AS "oldestOpenIssuedAt",
              (SELECT COUNT(*)::int FROM device_users WHERE status = 'pending' AND lease_deadline < $1) AS "pastDeadline"`,
      [now],
    );
    return row.rows[0] ?? { openCommands: 0, oldestOpenIssuedAt: null, pastDeadline: 0 };
  }

  async overdue(now: number, limit: number): Promise<Obligation[]> {
    const rows = await this.query<Obligation>(
      `SELECT ${PAIR_COLUMNS}, ${OPEN_SINCE} FROM device_users du WHERE status = 'pending' AND lease_deadline < $1 ORDER BY lease_deadline, device_id LIMIT $2`,
      [now, limit],
    );
    return rows.rows;
  }

  async deauthorizationReport(q: ReportQuery): Promise<ReportEntry[]> {
    const page = await this.query<DeauthorizationRow>(
      `SELECT ${DEAUTH_COLUMNS} FROM deauthorizations WHERE received_at >= $1 AND (received_at, event_key) > ($2, $3)
       ORDER BY received_at, event_key LIMIT $4`,
      [q.since, q.after?.receivedAt ?? -1, q.after?.eventKey ?? '', q.limit],
    );
    if (page.rows.length === 0) return [];
    const commands = await this.query<ReportCommandRow>(`${REPORT_COMMANDS} WHERE c.event_key = ANY ($1::text[]) ORDER BY c.device_id, c.issued_at`, [
      page.rows.map((d) => d.eventKey),
    ]);
    return toReportEntries(page.rows, commands.rows);
  }

  async health(): Promise<LedgerHealth> {
    let reachable = true;
    try {
      await this.query('SELECT 1');
    } catch {
      reachable = false;
    }
    return { reachable, listening: this.listener ? this.listener.listening : null };
  }

  watch(watcher: LedgerWatcher): Promise<void> {
    if (this.listener) throw new Error('the ledger is already watched');
    this.listener = new WakeListener({
      config: this.listenConfig,
      instanceId: this.instanceId,
      watcher,
      clock: this.o.clock,
      log: this.o.log,
      onQuery: () => this.queries++,
    });
    return this.listener.start();
  }

  roundTrips(): number {
    return this.queries;
  }

  async close(): Promise<void> {
    this.closing ??= (async () => {
      await this.listener?.close();
      await this.pool.end();
    })();
    return this.closing;
  }
}
