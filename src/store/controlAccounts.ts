import { isAccountKey } from '../core/ids.js';
import { err, ok, type Result } from '../core/result.js';
import { storeError, type StoreError } from './errors.js';
import { cachedLookup, cachedRead, type ReadFreshness } from './readCache.js';
import type { Db } from './sqlite.js';

export const ACCOUNT_STATES = ['connecting', 'active', 'needs-auth', 'wiping', 'wiped'] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

export interface Account {
  accountKey: string;
  zoomAccountId: string;
  zoomUserId: string;
  state: AccountState;
  createdAt: number;
  stateChangedAt: number;
}

export interface NewAccount {
  accountKey: string;
  zoomAccountId: string;
  zoomUserId: string;
  createdAt: number;
  /** Defaults to 'connecting'. */
  state?: AccountState;
}

const COLUMNS = `account_key AS accountKey, zoom_account_id AS zoomAccountId, zoom_user_id AS zoomUserId, state,
  created_at AS createdAt, state_changed_at AS stateChangedAt`;

/** The accounts registry: which vaults exist and what state each account is in. */
export class Accounts {
  private readonly insert;
  private readonly getOne: (accountKey: string) => Account | null;
  private readonly listAll: () => Account[];
  private readonly setStateStmt;

  constructor(
    db: Db,
    private readonly freshness: ReadFreshness,
  ) {
    this.insert = db.prepare<Account>(`
      INSERT INTO accounts (account_key, zoom_account_id, zoom_user_id, state, created_at, state_changed_at)
      VALUES (@accountKey, @zoomAccountId, @zoomUserId, @state, @createdAt, @stateChangedAt)
      ON CONFLICT DO NOTHING`);
    const getOne = db.prepare<[string], Account>(`SELECT ${COLUMNS} FROM accounts WHERE account_key = ?`);
    const listAll = db.prepare<[], Account>(`SELECT ${COLUMNS} FROM accounts ORDER BY created_at, account_key`);
    this.getOne = cachedLookup(freshness, (accountKey) => getOne.get(accountKey) ?? null);
    this.listAll = cachedRead(freshness, () => listAll.all());
    this.setStateStmt = db.prepare<[AccountState, number, string]>('UPDATE accounts SET state = ?, state_changed_at = ? WHERE account_key = ?');
  }

  /** DUPLICATE when the key is taken. */
  add(account: NewAccount): Result<Account, StoreError> {
    // The key names the vault file: anything but a generated key is a bug, not an input.
    if (!isAccountKey(account.accountKey)) throw new Error('not an account key');
    const row: Account = { ...account, state: account.state ?? 'connecting', stateChangedAt: account.createdAt };
    this.freshness.bump();
    if (this.insert.run(row).changes === 0) return err(storeError('DUPLICATE', `account ${account.accountKey} exists`));
    return ok(row);
  }

  get(accountKey: string): Account | null {
    return this.getOne(accountKey);
  }

  list(): Account[] {
    return this.listAll();
  }

  /** False when there is no such account. */
  setState(accountKey: string, state: AccountState, at: number): boolean {
    this.freshness.bump();
    return this.setStateStmt.run(state, at, accountKey).changes > 0;
  }
}
