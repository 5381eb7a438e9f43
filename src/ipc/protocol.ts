import { z } from 'zod';
import type { ErrorCode } from '../core/errors.js';
import {
  accountKeySchema,
  accountStatusSchema,
  callRecordSchema,
  count,
  epochMs,
  keyStatusSchema,
  linkStateSchema,
  meetingDetailSchema,
  meetingRecordSchema,
  omittedAccountSchema,
  receiptSchema,
  recordingRecordSchema,
  resourceSchema,
  searchHitSchema,
  wipeReasonSchema,
} from './schemas.js';

// The IPC contract, protocol v2 (DESIGN.md "IPC"): JSON-RPC 2.0 over newline-delimited frames
// (jsonrpc.ts). This one method table drives the server's dispatch, the typed client and the
// published contract (openrpc.ts: docs/openrpc.json and docs/ipc.md), so the three cannot drift.
// The first request on a connection must be `hello` with the token from the token file.
//
// Compatibility: later versions only add methods, topics and fields; a change that removes or
// retypes anything is a new protocol major, which the hello exchange refuses.

/** The protocol major. Clients send it in `hello`; the server answers with its own. */
export const PROTOCOL_VERSION = 2;

export type Access = 'read' | 'write';

export interface MethodDef<N extends string = string, P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  name: N;
  params: P;
  result: R;
  access: Access;
  summary: string;
  /** The codes this method answers besides those any request may get (BAD_REQUEST, BUSY, INTERNAL). */
  errors: readonly ErrorCode[];
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

export interface EventDef<S extends z.ZodType = z.ZodType> {
  data: S;
  summary: string;
}

function event<S extends z.ZodType>(def: EventDef<S>): EventDef<S> {
  return def;
}

const accountKeyOut = z.string().describe('The account key (a_ and 24 hex digits).');

// Events are JSON-RPC notifications whose method is the topic; they carry ids, counts and times,
// never Zoom content.
export const EVENT_DEFS = {
  'sync.progress': event({
    data: z.object({ accountKey: accountKeyOut, resource: resourceSchema, progress: z.number().min(0).max(1).describe('Fraction of the run done, 0 to 1.') }),
    summary: 'A sync run of an account moved on.',
  }),
  'sync.done': event({
    data: z.object({
      accountKey: accountKeyOut,
      finishedAt: epochMs('When the run ended'),
      added: z.object({ meetings: count, recordings: count, calls: count }).describe('Rows the run added, per kind.'),
      error: z.string().nullable().describe('An error code or short reason when the run did not complete; null when it did.'),
    }),
    summary: 'A sync run of an account ended.',
  }),
  'data.changed': event({
    data: z.object({ accountKey: accountKeyOut, resource: resourceSchema, count: count.describe('Rows added or changed.') }),
    summary: 'Rows of an account were added or changed: lists and searches may answer differently now.',
  }),
  'data.wiped': event({
    data: z.object({ accountKey: accountKeyOut, receiptId: z.string().describe('The signed deletion receipt (see receipts.list).'), reason: wipeReasonSchema }),
    summary: "An account's local data was deleted and the deletion verified.",
  }),
  'lease.warning': event({
    data: z.object({
      accountKey: accountKeyOut,
      leaseDeadline: epochMs("When the account's data is wiped unless its grant is proven alive before"),
      timeLeftMs: z.number().int().nonnegative().describe('Milliseconds from when the event was sent to the deadline, by the daemon’s trusted clock.'),
    }),
    summary:
      "An account's lease ends within 24 hours. Sent when the warning starts, and to every connection that subscribes to this topic while it holds (right after the subscribe answer).",
  }),
  'link.state': event({
    data: z.object({ state: linkStateSchema, since: epochMs('Since when').nullable() }),
    summary: "The relay link's state changed.",
  }),
  'account.connected': event({
    data: z.object({
      loginId: z.string().describe('The loginId accounts.connect answered.'),
      outcome: z.enum(['connected', 'failed', 'cancelled']),
      accountKey: accountKeyOut.nullable().describe('The new account; null unless connected.'),
    }),
    summary: 'A Zoom sign-in started by accounts.connect ended.',
  }),
} as const;

export type Topic = keyof typeof EVENT_DEFS;
export const TOPICS = Object.keys(EVENT_DEFS) as Topic[];
export type EventDataOf<T extends Topic> = z.output<(typeof EVENT_DEFS)[T]['data']>;
/** Each topic's payload schema. */
export const EVENTS = Object.fromEntries(TOPICS.map((topic) => [topic, EVENT_DEFS[topic].data])) as { [T in Topic]: (typeof EVENT_DEFS)[T]['data'] };
const topicSchema = z.enum(TOPICS as [Topic, ...Topic[]]);

/** The largest page a list answers; search pages are smaller (each hit carries an excerpt). */
export const MAX_LIST_LIMIT = 500;
export const MAX_SEARCH_LIMIT = 200;
export const DEFAULT_LIMIT = 50;
const MAX_CURSOR_CHARS = 4096;

const noParams = z.strictObject({});
const account = accountKeySchema.optional().describe('One account (its key); absent: every account, merged newest first.');
const cursor = z
  .string()
  .min(1)
  .max(MAX_CURSOR_CHARS)
  .optional()
  .describe('The nextCursor of the previous page, unchanged; absent for the first page. It names the accounts it covers: one that was wiped since is answered WIPED (one account) or listed in omitted (all).');
const listParams = z.strictObject({
  account,
  from: epochMs('Start times from (inclusive)').optional(),
  to: epochMs('Start times before (exclusive)').optional(),
  limit: z.number().int().min(1).max(MAX_LIST_LIMIT).default(DEFAULT_LIMIT).describe('Rows per page.'),
  cursor,
});
const omitted = z.array(omittedAccountSchema).describe('Accounts a read of every account left out, and why; empty when nothing was left out, and always empty for one account.');
const nextCursor = z.string().nullable().describe('Pass it back as cursor for the next page; null on the last page.');
const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor, omitted });
const withAccount = { accountKey: accountKeyOut };

const helloResult = z.object({
  protocol: z.number().int().describe("The daemon's protocol major."),
  daemonVersion: z.string(),
  serverTime: epochMs("The daemon's trusted time when it answered"),
});
export type HelloResult = z.output<typeof helloResult>;

const readErrors = ['NOT_FOUND', 'WIPED', 'EXPIRED'] as const satisfies readonly ErrorCode[];

const METHOD_LIST = [
  method({
    name: 'hello',
    params: z.strictObject({
      token: z.string().max(256).describe('The contents of the token file beside the socket (a new token at every daemon start).'),
      protocol: z.number().int().describe(`The protocol major the client speaks: ${PROTOCOL_VERSION}.`),
    }),
    result: helloResult,
    access: 'read',
    summary: 'Opens a connection: must be the first request. A wrong token or protocol is answered UNAUTHORIZED and the connection closed. Also callable later, with the same answer.',
    errors: ['UNAUTHORIZED'],
  }),
  method({
    name: 'status',
    params: noParams,
    result: z.object({
      daemonVersion: z.string(),
      protocol: z.number().int(),
      pid: z.number().int(),
      startedAt: epochMs('When the daemon started'),
      serverTime: epochMs(
        "The daemon's trusted time when this answer was made (at most a second before it was sent). Show times relative to it, not to your own clock: leases are decided by it",
      ),
      devicePublicKey: z.string().nullable().describe("The device's Ed25519 public key (DER, base64) that signs receipts."),
      deviceId: z.string().describe('Signed into every receipt with the key above; with both, anyone can verify a receipt.'),
      link: z.object({ state: linkStateSchema, since: epochMs('Since when').nullable() }),
      keys: keyStatusSchema,
      syncPaused: z.boolean(),
      accounts: z.array(accountStatusSchema),
    }),
    access: 'read',
    summary: 'The daemon, its relay link and every account with its lease, by id (safe to show in a tray or a log). Cheap: viewers may poll it.',
    errors: [],
  }),
  method({
    name: 'accounts.list',
    params: noParams,
    result: z.object({ accounts: z.array(accountStatusSchema) }),
    access: 'read',
    summary: 'Every account with its state, sync times, counts and lease.',
    errors: [],
  }),
  method({
    name: 'accounts.connect',
    params: z.strictObject({}),
    result: z.object({ loginId: z.string(), url: z.string().describe('The Zoom sign-in address to open in a browser.') }),
    access: 'write',
    summary: 'Starts a Zoom login (PKCE); the viewer opens the URL; completion arrives as the account.connected event.',
    errors: ['UNAVAILABLE'],
  }),
  method({
    name: 'accounts.disconnect',
    params: z.strictObject({
      account: accountKeySchema.describe('The account to disconnect (its key).'),
      confirm: z.literal(true).describe('Must be true: the account’s local data is deleted.'),
    }),
    result: z.object({ receiptId: z.string() }),
    access: 'write',
    summary: 'Revokes the grant at Zoom, then wipes the account; answers with the deletion receipt id.',
    errors: ['NOT_FOUND', 'UNAVAILABLE'],
  }),
  method({
    name: 'meetings.list',
    params: listParams,
    result: page(meetingRecordSchema.extend(withAccount)),
    access: 'read',
    summary: `Past meetings, newest first, one page at a time (limit 1 to ${MAX_LIST_LIMIT}, default ${DEFAULT_LIMIT}).`,
    errors: readErrors,
  }),
  method({
    name: 'meetings.get',
    params: z.strictObject({ account, uuid: z.string().min(1).max(256).describe('The meeting instance UUID, as the lists give it.') }),
    result: meetingDetailSchema.extend(withAccount),
    access: 'read',
    summary: 'One meeting instance with its participants.',
    errors: readErrors,
  }),
  method({
    name: 'calls.list',
    params: listParams,
    result: page(callRecordSchema.extend(withAccount)),
    access: 'read',
    summary: 'Zoom Phone call history, newest first, one page at a time.',
    errors: readErrors,
  }),
  method({
    name: 'recordings.list',
    params: listParams,
    result: page(recordingRecordSchema.extend(withAccount)),
    access: 'read',
    summary: 'Cloud recording metadata, newest first, one page at a time.',
    errors: readErrors,
  }),
  method({
    name: 'search',
    params: z.strictObject({
      q: z.string().min(1).max(200).describe('Words to look for: every word must match, the last one also as a prefix (search as you type).'),
      account,
      limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_LIMIT).describe('Hits per page.'),
      cursor: cursor.describe('The nextCursor of the previous page of the same search, unchanged; absent for the first page.'),
    }),
    result: z.object({ hits: z.array(searchHitSchema), nextCursor, omitted }),
    access: 'read',
    summary: 'Full-text search over meetings, participants, recordings and calls: the newest matches first, one page at a time.',
    errors: readErrors,
  }),
  method({
    name: 'sync.now',
    params: z.strictObject({ account }),
    result: z.object({ started: z.array(accountKeyOut).describe('The accounts whose sync started.') }),
    access: 'write',
    summary: 'Starts a sync of one account or all; answers with the account keys whose sync started.',
    errors: readErrors,
  }),
  method({
    name: 'sync.pause',
    params: z.strictObject({ paused: z.boolean().describe('true: pause; false: resume.') }),
    result: z.object({ paused: z.boolean() }),
    access: 'write',
    summary: 'Pauses or resumes scheduled syncing (leases still run out on time).',
    errors: [],
  }),
  method({
    name: 'purge',
    params: z
      .strictObject({
        account: accountKeySchema.optional().describe('The account to wipe; give this or all.'),
        all: z.boolean().optional().describe('true: wipe every account; give this or account.'),
        confirm: z.literal(true).describe('Must be true.'),
      })
      .refine((p) => (p.account !== undefined) !== (p.all === true), { message: 'give exactly one of account or all: true' }),
    result: z.object({ receiptIds: z.array(z.string()).describe('One receipt per account; an account wiped before answers with its existing receipt.') }),
    access: 'write',
    summary: 'Wipes one account or all of them now; answers with the receipt ids. Purging an account already wiped answers its existing receipt.',
    errors: ['NOT_FOUND', 'UNAVAILABLE'],
  }),
  method({
    name: 'receipts.list',
    params: z.strictObject({ account }),
    result: z.object({ receipts: z.array(receiptSchema) }),
    access: 'read',
    summary: 'Deletion receipts, with whether the relay has acknowledged each.',
    errors: [],
  }),
  method({
    name: 'subscribe',
    params: z.strictObject({ topics: z.array(topicSchema).max(32).describe('The topics to receive from now on (it replaces the set).') }),
    result: z.object({ topics: z.array(topicSchema) }),
    access: 'read',
    summary:
      'Replaces the set of event topics pushed to this connection as notifications (an empty list stops them). A lease.warning that holds is sent right after the answer.',
    errors: [],
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

export type { RequestId } from './jsonrpc.js';
