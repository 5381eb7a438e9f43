import { z } from 'zod';
import { ACCOUNT_KEY_PATTERN } from '../core/ids.js';
import { KEY_CUSTODIES, KEY_STATES } from '../core/custody.js';
import { ERASE_METHODS, WIPE_REASONS, type SignedReceipt } from '../core/receipt.js';
import { RESOURCES, type CallRecord, type MeetingDetail, type MeetingRecord, type ParticipantRecord, type RecordingRecord, type SearchHit } from '../core/records.js';

// Zod schemas for the values that cross the IPC boundary. The record schemas mirror
// src/core/records.ts; the proofs at the bottom fail the build when the two drift apart.
// Protocol v1: later versions only add fields, never remove or retype one.

const timestamp = z.number().int().nonnegative();
const count = z.number().int().nonnegative();

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
  durationMinutes: z.number().nonnegative(),
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
  durationSeconds: z.number().nonnegative(),
});

export const recordingFileRecordSchema = z.object({
  id: z.string(),
  fileType: z.string().nullable(),
  recordingType: z.string().nullable(),
  recordingStart: timestamp.nullable(),
  recordingEnd: timestamp.nullable(),
  fileSize: count.nullable(),
});

export const recordingRecordSchema = z.object({
  meetingUuid: z.string(),
  meetingId: z.string(),
  topic: z.string(),
  startTime: timestamp,
  durationMinutes: z.number().nonnegative(),
  totalSize: count.nullable(),
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
  talkTimeSeconds: z.number().nonnegative().nullable(),
  recordingId: z.string().nullable(),
});

export const meetingDetailSchema = meetingRecordSchema.extend({ participants: z.array(participantRecordSchema) });

export const searchHitSchema = z.object({
  accountKey: z.string(),
  kind: z.enum(['meeting', 'participant', 'call', 'recording']),
  ref: z.string(),
  time: timestamp,
  snippet: z.string(),
});

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
  leaseDeadline: timestamp.nullable(),
});
export type AccountStatus = z.output<typeof accountStatusSchema>;

/** unverified: connected, but the relay has not proved it holds the pinned key; nothing from it is accepted. */
export const linkStateSchema = z.enum(['disabled', 'connecting', 'unverified', 'online', 'offline']);

export const keyStatusSchema = z.object({ custody: z.enum(KEY_CUSTODIES).nullable(), state: z.enum(KEY_STATES), detail: z.string().nullable() });
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
  bytesRemoved: count,
  verified: z.boolean(),
  /** How the data was erased; absent in receipts made before vaults were encrypted. */
  method: z.enum(ERASE_METHODS).optional(),
  /** Where the device key that wrapped the vault's data key was kept. */
  keyCustody: z.enum(KEY_CUSTODIES).nullable().optional(),
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
