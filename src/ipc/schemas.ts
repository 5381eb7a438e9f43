import { z } from 'zod';
import { ACCOUNT_KEY_PATTERN } from '../core/ids.js';
import { KEY_CUSTODIES, KEY_STATES } from '../core/custody.js';
import { ERASE_METHODS, WIPE_REASONS, type SignedReceipt } from '../core/receipt.js';
import { RESOURCES, type CallRecord, type MeetingDetail, type MeetingRecord, type ParticipantRecord, type RecordingRecord, type SearchHit } from '../core/records.js';

// Zod schemas for the values that cross the IPC boundary. The record schemas mirror
// src/core/records.ts; the proofs at the bottom fail the build when the two drift apart.
// Units are stated in each schema's description, which the published contract carries.
// Protocol v2: later versions only add fields, never remove or retype one.

const EPOCH_MS = 'milliseconds since 1970-01-01T00:00:00Z (UTC)';
/** A point in time, described: `what` says which. */
export const epochMs = (what: string) => z.number().int().nonnegative().describe(`${what}: ${EPOCH_MS}.`);
const timestamp = z.number().int().nonnegative().describe(`A point in time: ${EPOCH_MS}.`);
export const count = z.number().int().nonnegative();

export const accountKeySchema = z.string().regex(ACCOUNT_KEY_PATTERN, 'not an account key (a_ followed by 24 hex digits)');
export const resourceSchema = z.enum(RESOURCES);
export const wipeReasonSchema = z.enum(WIPE_REASONS);

export const meetingRecordSchema = z.object({
  uuid: z.string(),
  meetingId: z.string(),
  hostId: z.string(),
  topic: z.string(),
  type: z.number().int(),
  startTime: timestamp,
  durationMinutes: z.number().nonnegative().describe('Minutes.'),
  timezone: z.string().nullable(),
  endTime: timestamp.nullable(),
  participantsCount: count.nullable(),
  source: z.enum(['meetings', 'report']),
});

export const participantRecordSchema = z.object({
  meetingUuid: z.string(),
  key: z.string(),
  participantId: z.string().nullable(),
  userId: z.string().nullable(),
  name: z.string(),
  email: z.string().nullable(),
  joinTime: timestamp.nullable(),
  leaveTime: timestamp.nullable(),
  durationSeconds: z.number().nonnegative().describe('Seconds.'),
});

export const recordingFileRecordSchema = z.object({
  id: z.string(),
  fileType: z.string().nullable(),
  recordingType: z.string().nullable(),
  recordingStart: timestamp.nullable(),
  recordingEnd: timestamp.nullable(),
  fileSize: count.nullable().describe('Bytes.'),
});

export const recordingRecordSchema = z.object({
  meetingUuid: z.string(),
  meetingId: z.string(),
  topic: z.string(),
  startTime: timestamp,
  durationMinutes: z.number().nonnegative().describe('Minutes.'),
  totalSize: count.nullable().describe('Bytes.'),
  files: z.array(recordingFileRecordSchema),
});

export const callRecordSchema = z.object({
  id: z.string(),
  callId: z.string(),
  direction: z.string(),
  callerName: z.string().nullable(),
  callerNumber: z.string().nullable(),
  calleeName: z.string().nullable(),
  calleeNumber: z.string().nullable(),
  startTime: timestamp,
  answerTime: timestamp.nullable(),
  endTime: timestamp.nullable(),
  result: z.string().nullable(),
  talkTimeSeconds: z.number().nonnegative().nullable().describe('Seconds.'),
  recordingId: z.string().nullable(),
});

export const meetingDetailSchema = meetingRecordSchema.extend({ participants: z.array(participantRecordSchema) });

export const searchHitSchema = z.object({
  accountKey: z.string(),
  kind: z.enum(['meeting', 'participant', 'call', 'recording']),
  ref: z.string().describe('What matched: a meeting uuid (meeting, participant, recording) or a call id.'),
  time: timestamp,
  snippet: z.string().describe('An excerpt of the matching text, the matched words in [brackets].'),
});

/**
 * How complete an account's history is, so that a viewer never promises more than Zoom gives a
 * user-managed app: instant meetings on IDs other than the PMI reach the vault only through Zoom's
 * meeting.ended events (kept by the relay), and calls only with Zoom Phone.
 */
export const historyCompletenessSchema = z
  .object({
    meetingsCompleteSince: epochMs("Since when every meeting the user holds reaches the vault (the account's enrollment at the relay)")
      .nullable()
      .describe('null without the relay: then instant meetings on IDs other than the PMI are stored only when recorded.'),
    calls: z.enum(['available', 'not-available']).describe("'not-available': Zoom says the user has no Zoom Phone (asked again weekly)."),
    callsCheckedAt: epochMs('When Zoom last said so').nullable().describe('null while calls are available.'),
    summary: z.string().describe('The above in words, to show as it is.'),
  })
  .describe("What a user-managed Zoom app can hold of the user's history, and what this account holds.");
export type HistoryCompleteness = z.output<typeof historyCompletenessSchema>;

/** What a viewer may show or log about an account: ids, states, times and counts only. */
export const accountStatusSchema = z.object({
  accountKey: z.string(),
  zoomAccountId: z.string(),
  zoomUserId: z.string(),
  state: z.enum(['connecting', 'active', 'needs-auth', 'wiping', 'wiped', 'expired']),
  lastSyncAt: timestamp.nullable(),
  nextSyncAt: timestamp.nullable(),
  syncing: z.object({ resource: z.string(), progress: z.number().min(0).max(1) }).nullable(),
  lastError: z.string().nullable(),
  throttledUntil: timestamp.nullable(),
  counts: z.object({ meetings: count, participants: count, recordings: count, calls: count }),
  leaseDeadline: epochMs("When the account's data is wiped unless its grant is proven alive before").nullable().describe('null when no data is held.'),
  leaseTimeLeftMs: z
    .number()
    .int()
    .nonnegative()
    .nullable()
    .describe("Milliseconds from the status's serverTime to leaseDeadline, by the daemon's trusted clock; null when no data is held."),
  leaseWarning: z.boolean().describe('true from 24 hours before leaseDeadline (the lease.warning event is sent then).'),
  history: historyCompletenessSchema.nullable().describe('How complete the history is; null for an account whose vault is not open (wiped, or not connected yet).'),
});
export type AccountStatus = z.output<typeof accountStatusSchema>;

/** An account a read of every account left out, and why. */
export const omittedAccountSchema = z.object({
  accountKey: z.string(),
  code: z.enum(['WIPED', 'EXPIRED']).describe('WIPED: its data was deleted (or is being deleted); EXPIRED: its lease ran out and its data is being deleted.'),
});
export type OmittedAccount = z.output<typeof omittedAccountSchema>;

/** unverified: connected, but the relay has not proved it holds the pinned key; nothing from it is accepted. */
export const linkStateSchema = z
  .enum(['disabled', 'connecting', 'unverified', 'online', 'offline'])
  .describe('The relay link: unverified means connected, but the relay has not yet proved it holds the pinned key, so nothing from it is accepted.');

export const keyStatusSchema = z
  .object({
    custody: z.enum(KEY_CUSTODIES).nullable().describe('Where the device key is kept: the OS credential store (keyring) or a 0600 file; null before any is'),
    state: z
      .enum(KEY_STATES)
      .describe('ready: vaults open. locked / unavailable: the custody does not hand out the key now (tried again every minute); missing: it answers but does not hold the key'),
    detail: z.string().nullable().describe('What to know or do, in words'),
  })
  .describe("The device key that wraps every vault's data key: where it is kept, and whether the vaults can be opened with it.");
export type KeyStatusView = z.output<typeof keyStatusSchema>;
export type LinkState = z.output<typeof linkStateSchema>;

/** A deletion receipt as viewers see it: the signed receipt without the device fields, plus whether the relay has it. */
export const receiptSchema = z.object({
  id: z.string(),
  commandId: z.string().nullable(),
  zoomAccountId: z.string(),
  zoomUserId: z.string(),
  reason: wipeReasonSchema,
  requestedAt: timestamp,
  completedAt: timestamp,
  filesRemoved: count,
  bytesRemoved: count.describe('Bytes.'),
  verified: z.boolean(),
  method: z
    .enum(ERASE_METHODS)
    .optional()
    .describe(
      "How the data was erased: crypto-erase+overwrite (the vault's data key destroyed and the device key that wrapped it replaced, then the files overwritten and unlinked), or overwrite alone. Absent in receipts made before vaults were encrypted. Signed: keep it to verify the receipt",
    ),
  keyCustody: z
    .enum(KEY_CUSTODIES)
    .nullable()
    .optional()
    .describe('Where the device key that wrapped the data key was kept (null: the vault had no data key). Signed, like method'),
  signature: z.string(),
  acked: z.boolean(),
});
export type ReceiptView = z.output<typeof receiptSchema>;

type Simplify<T> = { [K in keyof T]: T[K] };
type Same<A, B> = (<T>() => T extends Simplify<A> ? 1 : 2) extends <T>() => T extends Simplify<B> ? 1 : 2 ? true : false;
type Proof<T extends true> = T;

/** Compile-time proof that every record schema describes exactly its interface in src/core. */
export type SchemasMatchCore = [
  Proof<Same<z.output<typeof meetingRecordSchema>, MeetingRecord>>,
  Proof<Same<z.output<typeof participantRecordSchema>, ParticipantRecord>>,
  Proof<Same<z.output<typeof recordingRecordSchema>, RecordingRecord>>,
  Proof<Same<z.output<typeof callRecordSchema>, CallRecord>>,
  Proof<Same<z.output<typeof meetingDetailSchema>, MeetingDetail>>,
  Proof<Same<z.output<typeof searchHitSchema>, SearchHit>>,
  Proof<Same<ReceiptView, Omit<SignedReceipt, 'v' | 'deviceId'> & { acked: boolean }>>,
];
