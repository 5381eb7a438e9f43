import type { SignedReceipt } from '../core/receipt.js';
import type { LeaseBody, Signed, WipeCommandBody, ZoomEventNotice } from '../core/wire.js';

// The relay's memory: devices, which Zoom users each holds, leases issued, deauthorizations, wipe
// commands, receipts, and the Zoom content held for a while (event notices, unusable events). One
// interface, two engines (sqliteLedger.ts for one relay, pgLedger.ts for many instances) held to
// one contract (tests/relay/ledgerContract.ts); every method that changes more than one row is one
// transaction in either.

export const DEVICE_USER_STATUSES = ['active', 'pending', 'wiped', 'self-expired'] as const;
/**
 * active: enrolled, no wipe asked; pending: a wipe command without its receipt; wiped: a receipt
 * says the data is gone; self-expired: the device wiped it itself when its lease ran out.
 */
export type DeviceUserStatus = (typeof DEVICE_USER_STATUSES)[number];

export interface ZoomUser {
  zoomAccountId: string;
  zoomUserId: string;
}

export interface DeviceRecord {
  deviceId: string;
  /** base64 SPKI DER of the key that signs the device's receipts. */
  publicKey: string;
  /** SHA-256 (hex) of the device's bearer credential; the credential itself is never stored. */
  credentialHash: string;
  enrolledAt: number;
}

export interface DeviceUser extends ZoomUser {
  deviceId: string;
  status: DeviceUserStatus;
  /** The latest validUntil of any lease issued for this pair: the device wipes itself by then. */
  leaseDeadline: number | null;
}

export type CommandState = 'open' | 'done' | 'superseded';

export interface CommandRecord {
  command: Signed<WipeCommandBody>;
  /** superseded: the device enrolled the user again (a fresh grant) before it answered. */
  state: CommandState;
}

export interface Deauthorization extends ZoomUser {
  /** Identifies one deauthorization: Zoom's retries of the same event carry the same key. */
  eventKey: string;
  deauthorizedAt: number;
  /** As Zoom sent it (a boolean, a string such as "false", or null). */
  userDataRetention: boolean | string | null;
  receivedAt: number;
}

/** Signs the wipe command for one device inside the transaction that records it. */
export type MakeWipe = (target: DeviceUser) => Signed<WipeCommandBody>;

export interface ComplianceDevice {
  deviceId: string;
  status: DeviceUserStatus;
  leaseDeadline: number | null;
  /** The latest receipt the device sent for this user. */
  receipt: SignedReceipt | null;
  devicePublicKey: string;
}

export interface ComplianceRecord extends ZoomUser {
  /** Of the latest deauthorization (by Zoom's deauthorization time), when there was one. */
  deauthorizedAt: number | null;
  userDataRetention: boolean | string | null;
  cloudCopyDeletedAt: number | null;
  /**
   * Part of the cloud copy: Zoom event notices the relay holds for this user's devices until they
   * ack them (Zoom content in the vendor's cloud). A deauthorization deletes them with its wipes.
   */
  heldNotices: number;
  devices: ComplianceDevice[];
}

/** A Zoom event the relay forwards to the user's devices; the webhook verified its signature. */
export interface ZoomEventRecord extends ZoomUser {
  /** Identifies the event itself: Zoom's retries of it carry the same key, whatever their signature. */
  eventKey: string;
  event: string;
  /** Zoom's event_ts in ms, 0 when absent. */
  eventTs: number;
  /** Zoom's payload.object: Zoom content, held only until each device acks it. */
  object: Record<string, unknown>;
  receivedAt: number;
}

export interface HeldNotice {
  deviceId: string;
  notice: ZoomEventNotice;
}

/**
 * How long a ledger remembers a Zoom event's key at least: well beyond the 90 minutes within which
 * the webhook accepts a delivery (Zoom's last retry comes about 85 minutes after the first try).
 */
export const EVENT_KEY_MEMORY_MS = 24 * 60 * 60_000;

/**
 * Zoom gives a vendor 10 days to delete a user's data: an unusable event's body, which is Zoom
 * content the relay could not tie to a user, is kept no longer; its metadata stays for the operator.
 */
export const UNUSABLE_BODY_KEPT_MS = 10 * 24 * 60 * 60_000;

/** A correctly signed webhook the relay could not use: answered 200 (Zoom drops what gets a 4xx) and kept for an operator. */
export interface UnusableEvent {
  /** SHA-256 (hex) of the body: the same delivery is kept once. */
  id: string;
  receivedAt: number;
  /** Zoom's event name, when the body named one. */
  event: string | null;
  /** What the relay could not use, for the operator. */
  problem: string;
  /** The body as received, as UTF-8 text: Zoom content, kept at most UNUSABLE_BODY_KEPT_MS. */
  body: string;
}

/** An unusable event as the ledger keeps it: the body goes after UNUSABLE_BODY_KEPT_MS, the rest stays until dismissed. */
export interface KeptUnusableEvent extends Omit<UnusableEvent, 'body'> {
  /** Null once dropped. */
  body: string | null;
  bodyDroppedAt: number | null;
}

/** What one sweep of Zoom content past its purpose dropped (ZoomContentSweeper). */
export interface ContentSweep {
  /** Notices held for a device whose lease deadline had passed: it has wiped itself, they serve nothing. */
  noticesDropped: number;
  /** Unusable events' bodies received UNUSABLE_BODY_KEPT_MS or longer ago. */
  bodiesDropped: number;
  /** When the next piece still held falls due, or null when none is held. */
  nextDueAt: number | null;
}

/** The Zoom content the relay holds right now, whole ledger (for /metrics). */
export interface HeldContent {
  notices: number;
  unusableBodies: number;
  oldestBodyReceivedAt: number | null;
}

export interface Obligation extends ZoomUser {
  deviceId: string;
  status: DeviceUserStatus;
  leaseDeadline: number | null;
  /** When the oldest unanswered wipe command was issued (pending only). */
  openSince: number | null;
}

/** What the auditor's report shows of one wipe command: to which device, and how it ended. */
export interface ReportCommand {
  commandId: string;
  deviceId: string;
  state: CommandState;
  issuedAt: number;
  /** The pair's latest lease: the device wipes itself by `leaseDeadline` at the latest. */
  leaseDeadline: number | null;
  leaseIssuedAt: number | null;
  /** The receipt that settled the command (done), when there is one. */
  receipt: SignedReceipt | null;
  devicePublicKey: string;
}

export interface ReportEntry extends Deauthorization {
  cloudCopyDeletedAt: number | null;
  /** The wipe commands this deauthorization issued, by device. */
  commands: ReportCommand[];
}

/** Deauthorizations are reported in arrival order; a page resumes after the last one shown. */
export interface ReportCursor {
  receivedAt: number;
  eventKey: string;
}

export interface ReportQuery {
  /** Deauthorizations received at or after this time. */
  since: number;
  after: ReportCursor | null;
  limit: number;
}

export interface PendingSummary {
  /** Wipe commands waiting for their receipt. */
  openCommands: number;
  /** When the oldest of them was issued. */
  oldestOpenIssuedAt: number | null;
  /** Pending pairs whose lease deadline has passed without a receipt: the alarm. */
  pastDeadline: number;
}

export interface LedgerHealth {
  /** The store answered a query just now. */
  reachable: boolean;
  /** Whether this instance hears other instances' wakes; null for a single-instance store. */
  listening: boolean | null;
}

/**
 * Tells this relay instance about work another instance recorded. Only a shared ledger
 * (PostgreSQL) calls it; the ledger's tables stay the truth, a wake only says where to look.
 */
export interface LedgerWatcher {
  /** Another instance recorded work (wipe commands, Zoom event notices) for these devices. */
  wake(deviceIds: string[]): void;
  /** Wakes may have been missed (the connection to the database was lost): look at every connected device again. */
  rescan(): void;
}

export interface Ledger {
  device(deviceId: string): Promise<DeviceRecord | null>;
  deviceByCredential(credentialHash: string): Promise<DeviceRecord | null>;
  /** False when the id is taken. */
  addDevice(device: DeviceRecord): Promise<boolean>;
  /**
   * Zoom just proved the user's grant alive on this device: the pair becomes active, and wipe
   * commands left from an earlier deauthorization are superseded.
   */
  enrollUser(deviceId: string, user: ZoomUser, at: number): Promise<void>;
  isEnrolled(deviceId: string, user: ZoomUser): Promise<boolean>;
  /** The pairs that get leases. */
  activeUsers(deviceId: string): Promise<DeviceUser[]>;
  /** The devices holding an active grant of the user. */
  activeDevices(user: ZoomUser): Promise<string[]>;
  recordLease(lease: LeaseBody): Promise<void>;
  /**
   * Records a deauthorization, and one wipe command per active device of that user whose latest
   * enrollment is not after `spareEnrolledAfter` (a pair enrolled later holds a newer grant, which
   * an old deauthorization must not touch). Each wiped pair's held notices are deleted. Null when
   * the event was recorded before (Zoom retrying, or a replay), in which case nothing changes.
   */
  recordDeauthorization(event: Deauthorization, makeWipe: MakeWipe, spareEnrolledAfter: number): Promise<Signed<WipeCommandBody>[] | null>;
  /** One wipe command per active device of the user; each wiped pair's held notices are deleted. */
  issueWipes(user: ZoomUser, makeWipe: MakeWipe): Promise<Signed<WipeCommandBody>[]>;
  /**
   * Records the event's key and holds one notice (with a fresh random noticeId) per active device
   * of the user whose lease has not run out, until that device acks it, leaves 'active' or passes
   * its lease deadline. Forgets event keys received more than EVENT_KEY_MEMORY_MS before this one.
   * Null when the key was recorded before: nothing changes.
   */
  recordZoomEvent(event: ZoomEventRecord): Promise<HeldNotice[] | null>;
  /** The notices held for the device, oldest first. */
  heldNotices(deviceId: string): Promise<ZoomEventNotice[]>;
  /** The device handled the notice: it is deleted. False when none was held under that id. */
  ackNotice(deviceId: string, noticeId: string): Promise<boolean>;
  /** Keeps an unusable event; the same id twice is kept once. */
  keepUnusableEvent(event: UnusableEvent): Promise<void>;
  /** Oldest first. */
  unusableEvents(): Promise<KeptUnusableEvent[]>;
  /** The operator handled it: deleted. False when there is no such event. */
  dismissUnusableEvent(id: string): Promise<boolean>;
  openCommands(deviceId: string): Promise<Signed<WipeCommandBody>[]>;
  command(commandId: string): Promise<CommandRecord | null>;
  /**
   * Stores a receipt (already verified). When it `settles` the pair, the pair takes the status the
   * receipt proves, its open commands are done and its held notices deleted. 'duplicate': the
   * device sent it before.
   */
  recordReceipt(receipt: SignedReceipt, settles: boolean, at: number): Promise<'stored' | 'duplicate'>;
  cloudCopyDeleted(eventKey: string, at: number): Promise<void>;
  /** Deauthorizations whose cloud copy is not known to be deleted yet. */
  cloudCopiesPending(): Promise<Deauthorization[]>;
  /** Null when the relay never heard of the user. */
  compliance(user: ZoomUser): Promise<ComplianceRecord | null>;
  obligations(status: DeviceUserStatus): Promise<Obligation[]>;
  knowsUser(user: ZoomUser): Promise<boolean>;
  /**
   * Drops the Zoom content that has outlived its purpose at `now`: notices held for a pair whose
   * lease deadline is not after `now`, and unusable events' bodies received UNUSABLE_BODY_KEPT_MS
   * before `now` or earlier. Idempotent: instances sweeping at once drop each piece once.
   */
  sweepContent(now: number): Promise<ContentSweep>;
  heldContent(): Promise<HeldContent>;
  /** Counts for /metrics, as of `now`. */
  pendingSummary(now: number): Promise<PendingSummary>;
  /** Pending pairs past their lease deadline at `now` without a receipt, latest deadline last. */
  overdue(now: number, limit: number): Promise<Obligation[]>;
  /** One page of the auditor's report: deauthorizations in arrival order with their commands. */
  deauthorizationReport(query: ReportQuery): Promise<ReportEntry[]>;
  health(): Promise<LedgerHealth>;
  /**
   * Starts telling `watcher` about other instances' work; at most one watcher. Resolves once the
   * first attempt to listen is over (it keeps trying when that one failed).
   */
  watch(watcher: LedgerWatcher): Promise<void>;
  /** Queries sent to a database server so far (0 for an embedded store): round trips, for /metrics and the bench. */
  roundTrips(): number;
  close(): Promise<void>;
}

export interface SchemaChange {
  /** The schema version found, and the one the ledger is at now (equal when nothing was applied). */
  from: number;
  to: number;
}

export interface OpenedLedger {
  ledger: Ledger;
  schema: SchemaChange;
}

/**
 * Thrown by a ledger whose database cannot be reached (PostgreSQL stopped or restarting). Every
 * caller answers it the same way, "not now, try again" (a 503 that makes Zoom retry, a device told
 * to reconnect), so it travels to the edge as an exception rather than as a value through every call.
 */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
}
