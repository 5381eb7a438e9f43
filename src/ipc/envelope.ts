import { isErrorCode, type ApiError } from '../core/errors.js';

// The envelope of every frame, read by hand: it is checked on every message in both directions,
// where a schema library's generic walk cost more than the rest of a small request. The params
// and results inside are checked against the method table's schemas (router.ts, and tests).

export type RequestId = string | number;

export interface RequestMessage {
  id: RequestId;
  method: string;
  params?: unknown;
}

export type ServerMessage =
  | { id: RequestId | null; error: ApiError }
  | { id: RequestId; result: unknown }
  | { event: string; data: unknown };

const MAX_STRING_ID = 64;

type Fields = Record<string, unknown>;

function fieldsOf(value: unknown): Fields | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

/** Own properties only: `{"__proto__": …}` parsed by JSON.parse is an own key, inherited ones are not. */
function field(fields: Fields, name: string): unknown {
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/** A request id: a string of 1 to 64 characters, or a non-negative safe integer. */
export function readRequestId(value: unknown): RequestId | null {
  if (typeof value === 'string') return value.length >= 1 && value.length <= MAX_STRING_ID ? value : null;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  return null;
}

/** `{"id", "method", "params"?}`, or null. Other keys are ignored. */
export function readRequest(value: unknown): RequestMessage | null {
  const fields = fieldsOf(value);
  if (!fields) return null;
  const id = readRequestId(field(fields, 'id'));
  const method = field(fields, 'method');
  if (id === null || typeof method !== 'string') return null;
  const params = field(fields, 'params');
  return params === undefined ? { id, method } : { id, method, params };
}

/** The id of a message that is not a valid request, when it has a usable one, so an error can name it. */
export function requestIdOf(value: unknown): RequestId | null {
  const fields = fieldsOf(value);
  return fields ? readRequestId(field(fields, 'id')) : null;
}

function readApiError(value: unknown): ApiError | null {
  const fields = fieldsOf(value);
  if (!fields) return null;
  const code = field(fields, 'code');
  const message = field(fields, 'message');
  return isErrorCode(code) && typeof message === 'string' ? { code, message } : null;
}

/** What a client accepts from the server: an answer to a request, an error, or an event. */
export function readServerMessage(value: unknown): ServerMessage | null {
  const fields = fieldsOf(value);
  if (!fields) return null;
  const id = field(fields, 'id');
  if (Object.hasOwn(fields, 'error')) {
    const error = readApiError(fields.error);
    if (error && (id === null || typeof id === 'string' || typeof id === 'number')) return { id, error };
    return null;
  }
  if (Object.hasOwn(fields, 'result')) {
    return typeof id === 'string' || typeof id === 'number' ? { id, result: fields.result } : null;
  }
  const event = field(fields, 'event');
  return typeof event === 'string' && Object.hasOwn(fields, 'data') ? { event, data: fields.data } : null;
}
