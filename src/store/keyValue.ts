import type { Db } from './sqlite.js';

/** The small `meta` table both schemas have: settings and bookkeeping that need no table of their own. */
export class KeyValue {
  private readonly getStmt;
  private readonly setStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck();
    this.setStmt = db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(key: string): string | null {
    return this.getStmt.get(key) ?? null;
  }

  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }
}
