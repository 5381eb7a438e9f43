import { err, ok, type Result } from '../core/result.js';
import { storeError, type StoreError } from './errors.js';
import type { Db } from './sqlite.js';

export interface Receipt {
  id: string;
  wipeId: string;
  /** The exact text that was signed (JSON). */
  body: string;
  /** The device's Ed25519 signature of `body`, as the guard encodes it. */
  signature: string;
  createdAt: number;
  ackedAt: number | null;
}

export type NewReceipt = Omit<Receipt, 'ackedAt'>;

const COLUMNS = 'id, wipe_id AS wipeId, body, signature, created_at AS createdAt, acked_at AS ackedAt';

/** The outbox of signed wipe receipts, kept until the relay acknowledges each one. */
export class Receipts {
  private readonly insert;
  private readonly getOne;
  private readonly forWipeStmt;
  private readonly unackedStmt;
  private readonly listAll;
  private readonly ackStmt;

  constructor(db: Db) {
    this.insert = db.prepare<NewReceipt>(`
      INSERT INTO receipts (id, wipe_id, body, signature, created_at) VALUES (@id, @wipeId, @body, @signature, @createdAt)
      ON CONFLICT DO NOTHING`);
    this.getOne = db.prepare<[string], Receipt>(`SELECT ${COLUMNS} FROM receipts WHERE id = ?`);
    this.forWipeStmt = db.prepare<[string], Receipt>(`SELECT ${COLUMNS} FROM receipts WHERE wipe_id = ?`);
    this.unackedStmt = db.prepare<[], Receipt>(`SELECT ${COLUMNS} FROM receipts WHERE acked_at IS NULL ORDER BY created_at, id`);
    this.listAll = db.prepare<[], Receipt>(`SELECT ${COLUMNS} FROM receipts ORDER BY created_at DESC, id DESC`);
    this.ackStmt = db.prepare<[number, string]>('UPDATE receipts SET acked_at = ? WHERE id = ? AND acked_at IS NULL');
  }

  /**
   * Exactly one receipt per wipe: DUPLICATE when the wipe (or the id) has one already. The wipe
   * must be journaled.
   */
  add(receipt: NewReceipt): Result<Receipt, StoreError> {
    if (this.insert.run(receipt).changes === 0) return err(storeError('DUPLICATE', `wipe ${receipt.wipeId} already has a receipt`));
    return ok({ ...receipt, ackedAt: null });
  }

  get(id: string): Receipt | null {
    return this.getOne.get(id) ?? null;
  }

  forWipe(wipeId: string): Receipt | null {
    return this.forWipeStmt.get(wipeId) ?? null;
  }

  /** Receipts the relay has not acknowledged, oldest first: sent on every connect. */
  unacked(): Receipt[] {
    return this.unackedStmt.all();
  }

  /** Every receipt, newest first like every list a viewer shows. */
  list(): Receipt[] {
    return this.listAll.all();
  }

  /** False when the receipt is unknown or was acknowledged before. */
  ack(id: string, at: number): boolean {
    return this.ackStmt.run(at, id).changes > 0;
  }
}
