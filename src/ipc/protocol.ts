import { z } from 'zod';
import { ERROR_CODES } from '../core/errors.js';
import {
  accountKeySchema,
  accountStatusSchema,
  callRecordSchema,
  keyStatusSchema,
  linkStateSchema,
  meetingDetailSchema,
  meetingRecordSchema,
  receiptSchema,
  recordingRecordSchema,
  resourceSchema,
  searchHitSchema,
  wipeReasonSchema,
} from './schemas.js';

// The IPC contract, protocol v1 (DESIGN.md "IPC"). One method table drives the server's dispatch,
// the typed client and the generated docs, so the three cannot drift.
//
// Wire format: UTF-8 JSON, one message per line (frames end with "\n"; JSON.stringify never
// writes a raw newline). A frame from a client may hold at most MAX_REQUEST_FRAME_BYTES.
//   client -> server  request   {"id": 1, "method": "meetings.list", "params": {...}}
//   server -> client  response  {"id": 1, "result": {...}}  or  {"id": 1, "error": {"code", "message"}}
//   server -> client  event     {"event": "sync.done", "data": {...}}   (to subscribers only)
// The first request on a connection must be `hello` with the token from the token file.
//
// Compatibility: later versions only add methods, topics and fields; a change that removes or
// retypes anything is a new protocol major, which the hello exchange refuses.

/** The protocol major. Clients send it in `hello`; the server answers with its own. */
export const PROTOCOL_VERSION = 1;

export const MAX_REQUEST_FRAME_BYTES = 1024 * 1024;
/** No v1 request nests deeper or holds more values; a frame beyond either is refused unparsed. */
export const MAX_REQUEST_DEPTH = 16;
export const MAX_REQUEST_VALUES = 1024;
/**
 * Responses may be larger than requests (a meeting with thousands of participants); the daemon is
 * trusted by its clients (its socket sits in the user's private folder), so this only bounds a bug.
 */
export const MAX_RESPONSE_FRAME_BYTES = 64 * 1024 * 1024;

export type Access = 'read' | 'write';

export interface MethodDef<N extends string = string, P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  name: N;
  params: P;
  result: R;
  access: Access;
  summary: string;
}

function method<N extends string, P extends z.ZodType, R extends z.ZodType>(def: MethodDef<N, P, R>): MethodDef<N, P, R> {
  return def;
}

/** Builds the lookup table; a name registered twice is a bug and fails at module load. */
export function indexMethods<D extends MethodDef>(defs: readonly D[]): ReadonlyMap<string, D> {
  const byName = new Map<string, D>();
  for (const def of defs) {
    if (byName.has(def.name)) throw new Error(`IPC method "${def.name}" is registered twice`);
    byName.set(def.name, def);
  }
  return byName;
}

// Event payloads carry ids, counts and times; never Zoom content.
export const EVENTS = {
  'sync.progress': z.object({ accountKey: z.string(), resource: resourceSchema, progress: z.number().min(0).max(1) }),
  'sync.done': z.object({
    accountKey: z.string(),
    finishedAt: z.number().int().nonnegative(),
    added: z.object({ meetings: z.number().int().nonnegative(), recordings: z.number().int().nonnegative(), calls: z.number().int().nonnegative() }),
    /** An error code or short reason when the run did not complete; null when it did. */
    error: z.string().nullable(),
  }),
  'data.changed': z.object({ accountKey: z.string(), resource: resourceSchema, count: z.number().int().nonnegative() }),
  'data.wiped': z.object({ accountKey: z.string(), receiptId: z.string(), reason: wipeReasonSchema }),
  'lease.warning': z.object({ accountKey: z.string(), leaseDeadline: z.number().int().nonnegative() }),
  'link.state': z.object({ state: linkStateSchema, since: z.number().int().nonnegative().nullable() }),
  'account.connected': z.object({
    loginId: z.string(),
    outcome: z.enum(['connected', 'failed', 'cancelled']),
    accountKey: z.string().nullable(),
  }),
} as const;

export type Topic = keyof typeof EVENTS;
export const TOPICS = Object.keys(EVENTS) as Topic[];
export type EventDataOf<T extends Topic> = z.output<(typeof EVENTS)[T]>;
const topicSchema = z.enum(TOPICS as [Topic, ...Topic[]]);

const noParams = z.strictObject({});
const account = accountKeySchema.optional();
const listParams = z.strictObject({
  account,
  from: z.number().int().nonnegative().optional(),
  to: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(512).optional(),
});
const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const withAccount = { accountKey: z.string() };

const helloResult = z.object({ protocol: z.number().int(), daemonVersion: z.string(), serverTime: z.number().int() });
export type HelloResult = z.output<typeof helloResult>;

const METHOD_LIST = [
  method({
    name: 'hello',
    params: z.strictObject({ token: z.string().max(256), protocol: z.number().int() }),
    result: helloResult,
    access: 'read',
    summary: 'Opens a connection: must be the first request; also callable later, with the same answer.',
  }),
  method({
    name: 'status',
    params: noParams,
    result: z.object({
      daemonVersion: z.string(),
      protocol: z.number().int(),
      pid: z.number().int(),
      startedAt: z.number().int(),
      devicePublicKey: z.string().nullable(),
      /** Signed into every receipt with the key above; with both, anyone can verify a receipt. */
      deviceId: z.string(),
      link: z.object({ state: linkStateSchema, since: z.number().int().nullable() }),
      /** Where the device key that wraps every vault's data key is kept, and whether the vaults can be opened with it. */
      keys: keyStatusSchema,
      syncPaused: z.boolean(),
      accounts: z.array(accountStatusSchema),
    }),
    access: 'read',
    summary: 'The daemon, its relay link and every account, by id (safe to show in a tray or a log).',
  }),
  method({
    name: 'accounts.list',
    params: noParams,
    result: z.object({ accounts: z.array(accountStatusSchema) }),
    access: 'read',
    summary: 'Every account with its state, sync times, counts and lease deadline.',
  }),
  method({
    name: 'accounts.connect',
    params: z.strictObject({}),
    result: z.object({ loginId: z.string(), url: z.string() }),
    access: 'write',
    summary: 'Starts a Zoom login (PKCE); the viewer opens the URL; completion arrives as the account.connected event.',
  }),
  method({
    name: 'accounts.disconnect',
    params: z.strictObject({ account: accountKeySchema, confirm: z.literal(true) }),
    result: z.object({ receiptId: z.string() }),
    access: 'write',
    summary: 'Revokes the grant at Zoom, then wipes the account; answers with the deletion receipt id.',
  }),
  method({
    name: 'meetings.list',
    params: listParams,
    result: page(meetingRecordSchema.extend(withAccount)),
    access: 'read',
    summary: 'Past meetings, newest first, one page at a time (limit 1..500, default 50).',
  }),
  method({
    name: 'meetings.get',
    params: z.strictObject({ account, uuid: z.string().min(1).max(256) }),
    result: meetingDetailSchema.extend(withAccount),
    access: 'read',
    summary: 'One meeting instance with its participants.',
  }),
  method({
    name: 'calls.list',
    params: listParams,
    result: page(callRecordSchema.extend(withAccount)),
    access: 'read',
    summary: 'Zoom Phone call history, newest first, one page at a time.',
  }),
  method({
    name: 'recordings.list',
    params: listParams,
    result: page(recordingRecordSchema.extend(withAccount)),
    access: 'read',
    summary: 'Cloud recording metadata, newest first, one page at a time.',
  }),
  method({
    name: 'search',
    params: z.strictObject({ q: z.string().min(1).max(200), account, limit: z.number().int().min(1).max(200).default(50) }),
    result: z.object({ hits: z.array(searchHitSchema) }),
    access: 'read',
    summary: 'Full-text search over meetings, participants, recordings and calls: the newest matches first, every word required, the last one also as a prefix.',
  }),
  method({
    name: 'sync.now',
    params: z.strictObject({ account }),
    result: z.object({ started: z.array(z.string()) }),
    access: 'write',
    summary: 'Starts a sync of one account or all; answers with the account keys whose sync started.',
  }),
  method({
    name: 'sync.pause',
    params: z.strictObject({ paused: z.boolean() }),
    result: z.object({ paused: z.boolean() }),
    access: 'write',
    summary: 'Pauses or resumes scheduled syncing.',
  }),
  method({
    name: 'purge',
    params: z
      .strictObject({ account, all: z.boolean().optional(), confirm: z.literal(true) })
      .refine((p) => (p.account !== undefined) !== (p.all === true), { message: 'give exactly one of account or all: true' }),
    result: z.object({ receiptIds: z.array(z.string()) }),
    access: 'write',
    summary: 'Wipes one account or all of them now; answers with the receipt ids.',
  }),
  method({
    name: 'receipts.list',
    params: z.strictObject({ account }),
    result: z.object({ receipts: z.array(receiptSchema) }),
    access: 'read',
    summary: 'Deletion receipts, with whether the relay has acknowledged each.',
  }),
  method({
    name: 'subscribe',
    params: z.strictObject({ topics: z.array(topicSchema).max(32) }),
    result: z.object({ topics: z.array(topicSchema) }),
    access: 'read',
    summary: 'Replaces the set of event topics pushed to this connection (an empty list stops them).',
  }),
] as const;

export const METHODS = indexMethods(METHOD_LIST);

type AnyMethod = (typeof METHOD_LIST)[number];
export type MethodName = AnyMethod['name'];
type DefOf<M extends MethodName> = Extract<AnyMethod, { name: M }>;
/** Params as a handler receives them: validated, with defaults filled in. */
export type ParamsOf<M extends MethodName> = z.output<DefOf<M>['params']>;
/** Params as a caller writes them: fields with defaults may be left out. */
export type ParamsInput<M extends MethodName> = z.input<DefOf<M>['params']>;
export type ResultOf<M extends MethodName> = z.output<DefOf<M>['result']>;

/** Methods the server answers itself (connection state) rather than through the daemon's handlers. */
export const SERVER_METHODS = ['hello', 'subscribe'] as const;
export type HandledMethodName = Exclude<MethodName, (typeof SERVER_METHODS)[number]>;

export type { RequestId, RequestMessage, ServerMessage } from './envelope.js';
