import { isErrorCode, type ApiError, type ErrorCode } from '../core/errors.js';

// The one codec of the IPC protocol (v2): JSON-RPC 2.0, one message or batch per newline-ended
// frame, the same for every transport (go-ethereum's rpc/json.go). Read by hand: it runs on every
// message in both directions, where a schema library's generic walk cost more than the rest of a
// small request. Params and results inside are checked against the method table (router.ts).
//
//   request       {"jsonrpc":"2.0","id":1,"method":"meetings.list","params":{"limit":20}}
//   result        {"jsonrpc":"2.0","id":1,"result":{...}}
//   error         {"jsonrpc":"2.0","id":1,"error":{"code":-32003,"message":"...","data":{"code":"WIPED"}}}
//   notification  {"jsonrpc":"2.0","method":"sync.done","params":{...}}     (events, server to client)

export const JSONRPC_VERSION = '2.0';

/** JSON-RPC 2.0's own codes, for what goes wrong before a method runs. */
export const RPC_CODES = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
} as const;

/**
 * The numeric `error.code` of each code of our closed set, which `error.data.code` carries. The
 * daemon's own errors take the -32000 to -32099 range JSON-RPC leaves to servers; BAD_REQUEST takes
 * JSON-RPC's code for what was wrong (parse error, invalid request, unknown method, invalid params).
 */
export const NUMERIC_CODES: Readonly<Record<ErrorCode, number>> = {
  BAD_REQUEST: RPC_CODES.invalidRequest,
  UNAUTHORIZED: -32001,
  NOT_FOUND: -32002,
  WIPED: -32003,
  EXPIRED: -32004,
  BUSY: -32005,
  UNAVAILABLE: -32006,
  INTERNAL: RPC_CODES.internalError,
};

export type RequestId = string | number | null;

export type Incoming =
  | { kind: 'call'; id: RequestId; method: string; params: unknown }
  /** No id: the client wants no answer, and gets none (JSON-RPC 2.0 §4.1). */
  | { kind: 'notification'; method: string; params: unknown }
  | { kind: 'invalid'; id: RequestId; message: string };

const MAX_STRING_ID = 64;

type Fields = Record<string, unknown>;

function fieldsOf(value: unknown): Fields | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

/** Own properties only: `{"__proto__": …}` parsed by JSON.parse is an own key, inherited ones are not. */
function field(fields: Fields, name: string): unknown {
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/** A usable id: a string of 1 to 64 characters, a safe integer, or null; undefined when unusable. */
export function readRequestId(value: unknown): RequestId | undefined {
  if (value === null) return null;
  if (typeof value === 'string') return value.length >= 1 && value.length <= MAX_STRING_ID ? value : undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  return undefined;
}

/** One element of a frame (a request, a notification, or why it is neither). Other keys are ignored. */
export function readIncoming(value: unknown): Incoming {
  const fields = fieldsOf(value);
  if (!fields) return { kind: 'invalid', id: null, message: 'a request is a JSON object' };
  const hasId = Object.hasOwn(fields, 'id');
  const id = hasId ? readRequestId(fields.id) : null;
  if (id === undefined) return { kind: 'invalid', id: null, message: 'id must be a string of 1 to 64 characters, an integer, or null' };
  if (field(fields, 'jsonrpc') !== JSONRPC_VERSION) return { kind: 'invalid', id, message: 'jsonrpc must be "2.0"' };
  const method = field(fields, 'method');
  if (typeof method !== 'string') return { kind: 'invalid', id, message: 'method must be a string' };
  const params = field(fields, 'params');
  return hasId ? { kind: 'call', id, method, params } : { kind: 'notification', method, params };
}

/** The id of an element that is not a valid request, when it has a usable one, so its error can name it. */
export function requestIdOf(value: unknown): RequestId {
  const fields = fieldsOf(value);
  return (fields && readRequestId(field(fields, 'id'))) ?? null;
}

const idText = (id: RequestId): string => JSON.stringify(id);

/** `{"jsonrpc":"2.0","id":…,"result":…}` with the result's JSON text spliced in as it is. */
export function resultText(id: RequestId, resultJson: string): string {
  return `{"jsonrpc":"2.0","id":${idText(id)},"result":${resultJson}}`;
}

export function errorText(id: RequestId, error: ApiError, numeric: number = NUMERIC_CODES[error.code]): string {
  const data = error.limit ? { code: error.code, limit: error.limit } : { code: error.code };
  return `{"jsonrpc":"2.0","id":${idText(id)},"error":${JSON.stringify({ code: numeric, message: error.message, data })}}`;
}

export function notificationText(method: string, params: unknown): string {
  return `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`;
}

export function requestText(id: number, method: string, params: unknown): string {
  return `{"jsonrpc":"2.0","id":${id},"method":${JSON.stringify(method)},"params":${JSON.stringify(params)}}`;
}

/** What a client accepts from the server. */
export type ServerMessage =
  | { kind: 'result'; id: RequestId; result: unknown }
  | { kind: 'error'; id: RequestId; error: ApiError }
  | { kind: 'notification'; method: string; params: unknown };

/** Our code from `error.data.code`; from the numeric code when a server sent none (not ours, or a bug). */
function readError(value: unknown): ApiError | null {
  const fields = fieldsOf(value);
  if (!fields) return null;
  const numeric = field(fields, 'code');
  const message = field(fields, 'message');
  if (typeof numeric !== 'number' || typeof message !== 'string') return null;
  const data = fieldsOf(field(fields, 'data'));
  const named = data ? field(data, 'code') : undefined;
  const code: ErrorCode = isErrorCode(named) ? named : numeric <= RPC_CODES.invalidRequest && numeric >= RPC_CODES.parseError ? 'BAD_REQUEST' : 'INTERNAL';
  const limit = data ? fieldsOf(field(data, 'limit')) : null;
  if (limit && typeof limit.name === 'string' && typeof limit.value === 'number') return { code, message, limit: { name: limit.name, value: limit.value } };
  return { code, message };
}

/** One element of a server frame, or null for what no server sends. */
export function readServerMessage(value: unknown): ServerMessage | null {
  const fields = fieldsOf(value);
  if (!fields || field(fields, 'jsonrpc') !== JSONRPC_VERSION) return null;
  if (Object.hasOwn(fields, 'id')) {
    const id = readRequestId(fields.id);
    if (id === undefined) return null;
    if (Object.hasOwn(fields, 'error')) {
      const error = readError(fields.error);
      return error ? { kind: 'error', id, error } : null;
    }
    return Object.hasOwn(fields, 'result') ? { kind: 'result', id, result: fields.result } : null;
  }
  const method = field(fields, 'method');
  return typeof method === 'string' ? { kind: 'notification', method, params: field(fields, 'params') } : null;
}
