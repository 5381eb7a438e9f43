import { cachedLookup, cachedRead, type ReadFreshness } from './readCache.js';
import type { Db } from './sqlite.js';

/** What proved the grant alive: a lease signed by the relay, or Zoom accepting the account's tokens. */
export type ProofKind = 'relay' | 'zoom';

/** Absolute times: the account's data is wiped at `deadline` unless a new proof comes first. */
export interface Lease {
  deadline: number;
  lastProofAt: number;
  proofKind: ProofKind;
}

const COLUMNS = 'deadline, last_proof_at AS lastProofAt, proof_kind AS proofKind';

export class Leases {
  private readonly getOne: (accountKey: string) => Lease | null;
  private readonly listAll: () => Array<Lease & { accountKey: string }>;
  private readonly upsert;

  constructor(
    db: Db,
    private readonly freshness: ReadFreshness,
  ) {
    const getOne = db.prepare<[string], Lease>(`SELECT ${COLUMNS} FROM leases WHERE account_key = ?`);
    const listAll = db.prepare<[], Lease & { accountKey: string }>(`SELECT account_key AS accountKey, ${COLUMNS} FROM leases ORDER BY deadline`);
    this.getOne = cachedLookup(freshness, (accountKey) => getOne.get(accountKey) ?? null);
    this.listAll = cachedRead(freshness, () => listAll.all());
    this.upsert = db.prepare<Lease & { accountKey: string }>(`
      INSERT INTO leases (account_key, deadline, last_proof_at, proof_kind) VALUES (@accountKey, @deadline, @lastProofAt, @proofKind)
      ON CONFLICT (account_key) DO UPDATE SET
        deadline = excluded.deadline, last_proof_at = excluded.last_proof_at, proof_kind = excluded.proof_kind`);
  }

  get(accountKey: string): Lease | null {
    return this.getOne(accountKey);
  }

  /** Every lease, soonest deadline first. */
  list(): Array<Lease & { accountKey: string }> {
    return this.listAll();
  }

  /** The account must be registered. */
  set(accountKey: string, lease: Lease): void {
    this.freshness.bump();
    this.upsert.run({ accountKey, ...lease });
  }
}
