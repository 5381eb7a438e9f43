import { newId } from '../core/ids.js';
import type { SignedReceipt } from '../core/receipt.js';
import type { ZoomEventNotice } from '../core/wire.js';
import {
  UNUSABLE_BODY_KEPT_MS,
  type ComplianceDevice,
  type ComplianceRecord,
  type ContentSweep,
  type Deauthorization,
  type DeviceUserStatus,
  type HeldNotice,
  type ReportCommand,
  type ReportEntry,
  type ZoomEventRecord,
  type ZoomUser,
} from './ledger.js';

// What both ledger engines share: the column lists they select (aliased to the ledger's names,
// quoted so that PostgreSQL keeps their case; SQLite reads the quotes the same way), the rows those
// give, and how rows become the ledger's types. Each engine keeps only its own statements.

export const DEVICE_COLUMNS = 'device_id AS "deviceId", public_key AS "publicKey", credential_hash AS "credentialHash", enrolled_at AS "enrolledAt"';
export const PAIR_COLUMNS = 'device_id AS "deviceId", zoom_account_id AS "zoomAccountId", zoom_user_id AS "zoomUserId", status, lease_deadline AS "leaseDeadline"';
export const DEAUTH_COLUMNS = `event_key AS "eventKey", zoom_account_id AS "zoomAccountId", zoom_user_id AS "zoomUserId", deauthorized_at AS "deauthorizedAt",
  user_data_retention AS "userDataRetention", received_at AS "receivedAt", cloud_copy_deleted_at AS "cloudCopyDeletedAt"`;
export const NOTICE_COLUMNS = 'notice_id AS "noticeId", zoom_account_id AS "zoomAccountId", zoom_user_id AS "zoomUserId", event, event_ts AS "eventTs", object';
/** With device_users as `du`: when the pair's oldest unanswered wipe command was issued. */
export const OPEN_SINCE = `(SELECT MIN(c.issued_at) FROM commands c WHERE c.device_id = du.device_id AND c.zoom_account_id = du.zoom_account_id
  AND c.zoom_user_id = du.zoom_user_id AND c.state = 'open') AS "openSince"`;
/** The auditor's report's commands, before the engine's own WHERE (the page's event keys) and ORDER BY. */
export const REPORT_COMMANDS = `SELECT c.event_key AS "eventKey", c.command_id AS "commandId", c.device_id AS "deviceId", c.state, c.issued_at AS "issuedAt",
    du.lease_deadline AS "leaseDeadline", du.lease_issued_at AS "leaseIssuedAt", r.signed AS receipt, d.public_key AS "devicePublicKey"
  FROM commands c
  JOIN device_users du ON du.device_id = c.device_id AND du.zoom_account_id = c.zoom_account_id AND du.zoom_user_id = c.zoom_user_id
  JOIN devices d ON d.device_id = c.device_id
  LEFT JOIN receipts r ON r.device_id = c.device_id AND r.receipt_id = c.receipt_id`;
/** Every device of one user, with the receipt that settled it: the user's compliance record. */
export const COMPLIANCE_PAIRS = `SELECT du.device_id AS "deviceId", du.status, du.lease_deadline AS "leaseDeadline", r.signed AS receipt,
    d.public_key AS "devicePublicKey"
  FROM device_users du JOIN devices d ON d.device_id = du.device_id
  LEFT JOIN receipts r ON r.device_id = du.device_id AND r.receipt_id = du.receipt_id`;
export const UNUSABLE_COLUMNS = 'id, received_at AS "receivedAt", event, problem, body, body_dropped_at AS "bodyDroppedAt"';
/** "No bound" for an enrollment time: an integer both engines store (Infinity is not). */
export const NO_BOUND = Number.MAX_SAFE_INTEGER;

export interface DeauthorizationRow {
  eventKey: string;
  zoomAccountId: string;
  zoomUserId: string;
  deauthorizedAt: number;
  /** JSON text: Zoom sends a boolean, a string or null. */
  userDataRetention: string;
  receivedAt: number;
  cloudCopyDeletedAt: number | null;
}

export interface NoticeRow extends Omit<ZoomEventNotice, 'object'> {
  /** Zoom's payload.object as JSON text. */
  object: string;
}

export interface CompliancePairRow extends Omit<ComplianceDevice, 'receipt'> {
  /** The settling receipt as stored (JSON text). */
  receipt: string | null;
}

export interface ReportCommandRow extends Omit<ReportCommand, 'receipt'> {
  /** The deauthorization that issued the command. */
  eventKey: string;
  /** The settling receipt as stored (JSON text). */
  receipt: string | null;
}

/** What a sweep still finds held: the oldest body kept, and the earliest lease deadline of a pair holding notices. */
export interface HeldDueRow {
  oldestBodyReceivedAt: number | null;
  nextNoticeDeadline: number | null;
}

function parseReceipt(text: string | null): SignedReceipt | null {
  return text === null ? null : (JSON.parse(text) as SignedReceipt);
}

export function toDeauthorization(row: DeauthorizationRow): Deauthorization {
  return {
    eventKey: row.eventKey,
    zoomAccountId: row.zoomAccountId,
    zoomUserId: row.zoomUserId,
    deauthorizedAt: row.deauthorizedAt,
    userDataRetention: JSON.parse(row.userDataRetention) as boolean | string | null,
    receivedAt: row.receivedAt,
  };
}

export function toNotice(row: NoticeRow): ZoomEventNotice {
  return { ...row, object: JSON.parse(row.object) as Record<string, unknown> };
}

/** The notice one device gets for a Zoom event, under a fresh id. */
export function heldNotice(event: ZoomEventRecord, deviceId: string): HeldNotice {
  const { zoomAccountId, zoomUserId, eventTs, object } = event;
  return { deviceId, notice: { noticeId: newId(), zoomAccountId, zoomUserId, event: event.event, eventTs, object } };
}

/** What a settling receipt proves of the pair's data. */
export function settledStatus(receipt: SignedReceipt): DeviceUserStatus {
  return receipt.reason === 'lease-expired' ? 'self-expired' : 'wiped';
}

/** Null when the relay never heard of the user (no deauthorization, no device). */
export function toComplianceRecord(user: ZoomUser, latest: DeauthorizationRow | undefined, pairs: CompliancePairRow[], heldNotices: number): ComplianceRecord | null {
  if (!latest && pairs.length === 0) return null;
  return {
    zoomAccountId: user.zoomAccountId,
    zoomUserId: user.zoomUserId,
    deauthorizedAt: latest?.deauthorizedAt ?? null,
    userDataRetention: latest ? toDeauthorization(latest).userDataRetention : null,
    cloudCopyDeletedAt: latest?.cloudCopyDeletedAt ?? null,
    heldNotices,
    devices: pairs.map(({ receipt, ...pair }) => ({ ...pair, receipt: parseReceipt(receipt) })),
  };
}

/** One page of the report: each deauthorization with the commands it issued. */
export function toReportEntries(page: DeauthorizationRow[], commandRows: ReportCommandRow[]): ReportEntry[] {
  const commands = new Map<string, ReportCommand[]>(page.map((d) => [d.eventKey, []]));
  for (const { eventKey, receipt, ...row } of commandRows) commands.get(eventKey)?.push({ ...row, receipt: parseReceipt(receipt) });
  return page.map((d) => ({ ...toDeauthorization(d), cloudCopyDeletedAt: d.cloudCopyDeletedAt, commands: commands.get(d.eventKey) ?? [] }));
}

/** The sweep's counts, and when the next piece it left falls due. */
export function toContentSweep(noticesDropped: number, bodiesDropped: number, held: HeldDueRow): ContentSweep {
  const bodyDue = held.oldestBodyReceivedAt === null ? null : held.oldestBodyReceivedAt + UNUSABLE_BODY_KEPT_MS;
  const due = [held.nextNoticeDeadline, bodyDue].filter((at) => at !== null);
  return { noticesDropped, bodiesDropped, nextDueAt: due.length === 0 ? null : Math.min(...due) };
}
