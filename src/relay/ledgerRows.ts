import type { SignedReceipt } from '../core/receipt.js';
import type { CommandState, Deauthorization, ReportCommand } from './ledger.js';

// Rows as both ledger engines select them (columns aliased to these names), and their mapping to
// the ledger's types.

export interface DeauthorizationRow {
  eventKey: string;
  zoomAccountId: string;
  zoomUserId: string;
  deauthorizedAt: number;
  /** JSON text: Zoom sends a boolean, a string or null. */
  userDataRetention: string;
  receivedAt: number;
  cloudCopyDeletedAt: number | null;
}

export interface ReportCommandRow {
  eventKey: string;
  commandId: string;
  deviceId: string;
  state: CommandState;
  issuedAt: number;
  leaseDeadline: number | null;
  leaseIssuedAt: number | null;
  /** The settling receipt as stored (JSON text). */
  receipt: string | null;
  devicePublicKey: string;
}

export function toDeauthorization(row: DeauthorizationRow): Deauthorization {
  return {
    eventKey: row.eventKey,
    zoomAccountId: row.zoomAccountId,
    zoomUserId: row.zoomUserId,
    deauthorizedAt: row.deauthorizedAt,
    userDataRetention: JSON.parse(row.userDataRetention) as boolean | string | null,
    receivedAt: row.receivedAt,
  };
}

export function toReportCommand({ eventKey: _eventKey, receipt, ...row }: ReportCommandRow): ReportCommand {
  return { ...row, receipt: receipt === null ? null : (JSON.parse(receipt) as SignedReceipt) };
}
