import { apiError, type ApiError } from '../core/errors.js';

/**
 * What can go wrong in the store that a caller is expected to handle. Messages name files (whose
 * names are random account keys) and numbers, never Zoom content.
 */
export type StoreErrorCode =
  | 'NOT_FOUND'
  | 'CANNOT_OPEN'
  | 'NOT_A_DATABASE'
  | 'SCHEMA_TOO_NEW'
  | 'MIGRATION_FAILED'
  | 'BAD_LIMIT'
  | 'BAD_CURSOR'
  | 'BAD_RANGE'
  | 'BAD_QUERY'
  | 'DUPLICATE';

export interface StoreError {
  code: StoreErrorCode;
  message: string;
}

export function storeError(code: StoreErrorCode, message: string): StoreError {
  return { code, message };
}

/** The SQLite (or errno) code of an error: safe to show, unlike messages, which may quote values. */
export function sqliteCode(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : 'error';
}

/** How a store error crosses the IPC boundary: a caller's mistake or a fault of this device. */
export function toApiError(error: StoreError): ApiError {
  switch (error.code) {
    case 'BAD_LIMIT':
    case 'BAD_CURSOR':
    case 'BAD_RANGE':
    case 'BAD_QUERY':
    case 'DUPLICATE':
      return apiError('BAD_REQUEST', error.message);
    case 'NOT_FOUND':
      return apiError('NOT_FOUND', error.message);
    case 'CANNOT_OPEN':
    case 'NOT_A_DATABASE':
    case 'SCHEMA_TOO_NEW':
    case 'MIGRATION_FAILED':
      return apiError('UNAVAILABLE', error.message);
  }
}
