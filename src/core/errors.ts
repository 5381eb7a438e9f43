// The closed set of error codes that crosses the IPC boundary. Anything else becomes INTERNAL at
// the edge. Each code has a default message a person can act on.

export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'WIPED',
  'EXPIRED',
  'BUSY',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiError {
  code: ErrorCode;
  message: string;
  /** The limit that was reached, when one was: its name in the published contract and its value. */
  limit?: { name: string; value: number };
}

export function apiError(code: ErrorCode, message: string, limit?: { name: string; value: number }): ApiError {
  return limit ? { code, message, limit } : { code, message };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
