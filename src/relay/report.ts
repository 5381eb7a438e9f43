import type { Ledger, Obligation, ReportCommand, ReportCursor, ReportEntry, ReportQuery } from './ledger.js';
import { ReceiptVerifier } from './receiptVerifier.js';

// The auditor's report: for every deauthorization, when it arrived, when the vendor's cloud copy
// was deleted, and per device either "wiped at T, receipt R, signature verified" or "offline; will
// self-wipe by T at the latest". A device past that deadline without a receipt is the alarm. Read
// a page at a time in arrival order, so a vendor with 100,000 users gets it in bounded memory.

export const REPORT_PAGE_LIMIT = 1_000;
export const REPORT_DEFAULT_PAGE = 200;
/** The alarm lists at most this many devices (it should list none); the count is always exact. */
export const OVERDUE_LISTED = 1_000;

export type DeviceOutcome = 'wiped' | 'self-expired' | 'offline' | 'overdue' | 'superseded';

export interface ReportDevice {
  deviceId: string;
  commandId: string;
  outcome: DeviceOutcome;
  /** When the device finished the wipe (its receipt's completedAt). */
  wipedAt: string | null;
  receiptId: string | null;
  /** The receipt's signature checked against the device's enrolled key; null without a receipt. */
  signatureVerified: boolean | null;
  /** The device wipes itself by then at the latest (its latest lease's validUntil). */
  selfWipeBy: string | null;
  leaseIssuedAt: string | null;
  /** The line an auditor reads. */
  statement: string;
}

export interface ReportItem {
  eventKey: string;
  zoomAccountId: string;
  zoomUserId: string;
  deauthorizedAt: string;
  receivedAt: string;
  cloudCopyDeletedAt: string | null;
  devices: ReportDevice[];
}

export interface OverdueDevice {
  deviceId: string;
  zoomAccountId: string;
  zoomUserId: string;
  selfWipeBy: string | null;
  wipeRequestedAt: string | null;
}

export interface OverdueSummary {
  count: number;
  devices: OverdueDevice[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function describeDevice(command: ReportCommand, now: number, verifier: ReceiptVerifier): ReportDevice {
  const selfWipeBy = iso(command.leaseDeadline);
  const leaseIssuedAt = iso(command.leaseIssuedAt);
  const base = { deviceId: command.deviceId, commandId: command.commandId, selfWipeBy, leaseIssuedAt };
  const { receipt } = command;
  if (command.state === 'done' && receipt) {
    const verified = verifier.verifiedBy(receipt, command.devicePublicKey);
    const wipedAt = iso(receipt.completedAt) ?? '';
    const signature = verified ? 'signature verified' : 'signature NOT verified';
    const selfExpired = receipt.reason === 'lease-expired';
    return {
      ...base,
      outcome: selfExpired ? 'self-expired' : 'wiped',
      wipedAt,
      receiptId: receipt.id,
      signatureVerified: verified,
      statement: `${selfExpired ? 'wiped itself when its lease ran out' : 'wiped'} at ${wipedAt}, receipt ${receipt.id}, ${signature}`,
    };
  }
  const noReceipt = { wipedAt: null, receiptId: null, signatureVerified: null };
  if (command.state === 'superseded') {
    return { ...base, ...noReceipt, outcome: 'superseded', statement: 'not wiped: the user enrolled this device again (a fresh grant) before it answered' };
  }
  const lease = leaseIssuedAt ? ` (lease issued at ${leaseIssuedAt})` : '';
  if (command.leaseDeadline !== null && command.leaseDeadline < now) {
    return { ...base, ...noReceipt, outcome: 'overdue', statement: `ALARM: past its self-wipe deadline ${selfWipeBy} without a receipt${lease}` };
  }
  const by = selfWipeBy ? `will self-wipe by ${selfWipeBy} at the latest${lease}` : 'no lease on record: it holds no data the relay vouched for';
  return { ...base, ...noReceipt, outcome: 'offline', statement: `offline; ${by}` };
}

export function reportItem(entry: ReportEntry, now: number, verifier: ReceiptVerifier): ReportItem {
  return {
    eventKey: entry.eventKey,
    zoomAccountId: entry.zoomAccountId,
    zoomUserId: entry.zoomUserId,
    deauthorizedAt: iso(entry.deauthorizedAt) ?? '',
    receivedAt: iso(entry.receivedAt) ?? '',
    cloudCopyDeletedAt: iso(entry.cloudCopyDeletedAt),
    devices: entry.commands.map((c) => describeDevice(c, now, verifier)),
  };
}

function overdueDevice(o: Obligation): OverdueDevice {
  return { deviceId: o.deviceId, zoomAccountId: o.zoomAccountId, zoomUserId: o.zoomUserId, selfWipeBy: iso(o.leaseDeadline), wipeRequestedAt: iso(o.openSince) };
}

export async function overdueSummary(ledger: Ledger, now: number): Promise<OverdueSummary> {
  const summary = await ledger.pendingSummary(now);
  const devices = summary.pastDeadline === 0 ? [] : (await ledger.overdue(now, OVERDUE_LISTED)).map(overdueDevice);
  return { count: summary.pastDeadline, devices };
}

/** One page and where the next starts (null on the last page). */
export async function reportPage(
  ledger: Ledger,
  query: ReportQuery,
  now: number,
  verifier = new ReceiptVerifier(),
): Promise<{ items: ReportItem[]; next: ReportCursor | null }> {
  // One more than asked says whether another page follows.
  const entries = await ledger.deauthorizationReport({ ...query, limit: query.limit + 1 });
  const page = entries.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((e) => reportItem(e, now, verifier)),
    next: last && entries.length > query.limit ? { receivedAt: last.receivedAt, eventKey: last.eventKey } : null,
  };
}

/** Every page from `since`, in arrival order; each device's key is imported once for the whole run. */
export async function* reportItems(ledger: Ledger, since: number, now: number, pageSize = REPORT_DEFAULT_PAGE): AsyncGenerator<ReportItem> {
  const verifier = new ReceiptVerifier();
  let after: ReportCursor | null = null;
  do {
    const page = await reportPage(ledger, { since, after, limit: pageSize }, now, verifier);
    yield* page.items;
    after = page.next;
  } while (after);
}

/** An opaque cursor for the admin endpoint's `cursor` parameter. */
export function encodeCursor(cursor: ReportCursor): string {
  return Buffer.from(JSON.stringify([cursor.receivedAt, cursor.eventKey])).toString('base64url');
}

export function decodeCursor(text: string): ReportCursor | null {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { receivedAt: value[0] as number, eventKey: value[1] };
    }
  } catch {
    // Falls through to null.
  }
  return null;
}

export const CSV_COLUMNS = [
  'event_key',
  'zoom_account_id',
  'zoom_user_id',
  'deauthorized_at',
  'received_at',
  'cloud_copy_deleted_at',
  'device_id',
  'command_id',
  'outcome',
  'wiped_at',
  'receipt_id',
  'signature_verified',
  'self_wipe_by',
  'lease_issued_at',
  'statement',
] as const;

function csvField(value: string | boolean | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/** One line per device (RFC 4180); a deauthorization that reached no device gets one line without one. */
export function csvLines(item: ReportItem): string {
  const head = [item.eventKey, item.zoomAccountId, item.zoomUserId, item.deauthorizedAt, item.receivedAt, item.cloudCopyDeletedAt];
  const devices: (string | boolean | null)[][] =
    item.devices.length === 0
      ? [[null, null, null, null, null, null, null, null, 'no device held an active grant of this user when the deauthorization arrived']]
      : item.devices.map((d) => [d.deviceId, d.commandId, d.outcome, d.wipedAt, d.receiptId, d.signatureVerified, d.selfWipeBy, d.leaseIssuedAt, d.statement]);
  return devices.map((row) => `${[...head, ...row].map(csvField).join(',')}\r\n`).join('');
}
