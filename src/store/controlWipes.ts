import { err, ok, type Result } from '../core/result.js';
import { storeError, type StoreError } from './errors.js';
import { cachedRead, type ReadFreshness } from './readCache.js';
import type { Db } from './sqlite.js';

/** One journaled wipe. `step` names the last step done; the guard defines the steps. */
export interface Wipe {
  id: string;
  accountKey: string;
  reason: string;
  commandId: string | null;
  requestedAt: number;
  step: string;
  stepAt: number;
  finishedAt: number | null;
}

export interface WipeRequest {
  id: string;
  accountKey: string;
  reason: string;
  commandId?: string | null;
  requestedAt: number;
}

/** The step a wipe is in before any work is done. */
export const WIPE_INTENT = 'intent';

const COLUMNS = `id, account_key AS accountKey, reason, command_id AS commandId, requested_at AS requestedAt, step,
  step_at AS stepAt, finished_at AS finishedAt`;

/** The wipe journal: an intent is written before any work, so an interrupted wipe is finished at the next start. */
export class Wipes {
  private readonly insert;
  private readonly getOne;
  private readonly byCommandStmt;
  private readonly lastFinishedStmt;
  private readonly unfinishedRows: () => Wipe[];
  private readonly stepStmt;
  private readonly finishStmt;

  constructor(
    db: Db,
    private readonly freshness: ReadFreshness,
  ) {
    this.insert = db.prepare<Wipe>(`
      INSERT INTO wipes (id, account_key, reason, command_id, requested_at, step, step_at, finished_at)
      VALUES (@id, @accountKey, @reason, @commandId, @requestedAt, @step, @stepAt, NULL)
      ON CONFLICT DO NOTHING`);
    this.getOne = db.prepare<[string], Wipe>(`SELECT ${COLUMNS} FROM wipes WHERE id = ?`);
    this.byCommandStmt = db.prepare<[string], Wipe>(`SELECT ${COLUMNS} FROM wipes WHERE command_id = ?`);
    this.lastFinishedStmt = db.prepare<[string], Wipe>(`SELECT ${COLUMNS} FROM wipes WHERE account_key = ? AND finished_at IS NOT NULL ORDER BY finished_at DESC, id DESC LIMIT 1`);
    const unfinished = db.prepare<[], Wipe>(`SELECT ${COLUMNS} FROM wipes WHERE finished_at IS NULL ORDER BY requested_at, id`);
    this.unfinishedRows = cachedRead(freshness, () => unfinished.all());
    this.stepStmt = db.prepare<[string, number, string]>('UPDATE wipes SET step = ?, step_at = ? WHERE id = ? AND finished_at IS NULL');
    this.finishStmt = db.prepare<[number, string]>('UPDATE wipes SET finished_at = ? WHERE id = ? AND finished_at IS NULL');
  }

  /** Journals the intent. DUPLICATE when the id, or the relay command, already started a wipe. */
  begin(request: WipeRequest): Result<Wipe, StoreError> {
    const wipe: Wipe = { ...request, commandId: request.commandId ?? null, step: WIPE_INTENT, stepAt: request.requestedAt, finishedAt: null };
    this.freshness.bump();
    if (this.insert.run(wipe).changes === 0) return err(storeError('DUPLICATE', `wipe ${request.id} (or its command) is already journaled`));
    return ok(wipe);
  }

  /** Records that `step` is done. False when the wipe is unknown or finished. */
  step(id: string, step: string, at: number): boolean {
    this.freshness.bump();
    return this.stepStmt.run(step, at, id).changes > 0;
  }

  /** False when the wipe is unknown or already finished. */
  finish(id: string, at: number): boolean {
    this.freshness.bump();
    return this.finishStmt.run(at, id).changes > 0;
  }

  /** Wipes begun and not finished, oldest first: the daemon finishes them before serving anything. */
  unfinished(): Wipe[] {
    return this.unfinishedRows();
  }

  get(id: string): Wipe | null {
    return this.getOne.get(id) ?? null;
  }

  byCommand(commandId: string): Wipe | null {
    return this.byCommandStmt.get(commandId) ?? null;
  }

  /** The account's latest finished wipe: the one whose receipt stands for its data being gone. */
  lastFinished(accountKey: string): Wipe | null {
    return this.lastFinishedStmt.get(accountKey) ?? null;
  }
}
