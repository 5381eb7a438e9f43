import type { WindowedResource } from '../core/records.js';
import type { Db } from './sqlite.js';
import type { PageCursor, SyncWindow, WindowKey } from './vaultTypes.js';

const WINDOW_COLUMNS = `resource, window_start AS start, window_end AS end, status, page_token AS pageToken,
  page_token_issued_at AS pageTokenIssuedAt, pages, items, fetched_at AS fetchedAt, completed_at AS completedAt,
  pass_started_at AS passStartedAt`;

interface PageProgress {
  resource: WindowedResource;
  start: number;
  end: number;
  token: string | null;
  issuedAt: number | null;
  items: number;
  fetchedAt: number;
}

/** Sync checkpoints: per window, how far the current pass got and when a pass last finished. */
export class WindowStore {
  private readonly getOne;
  private readonly listAll;
  private readonly listOf;
  private readonly recordPageStmt;
  private readonly completeStmt;
  private readonly restartStmt;

  constructor(db: Db) {
    this.getOne = db.prepare<[WindowedResource, number], SyncWindow>(`SELECT ${WINDOW_COLUMNS} FROM sync_windows WHERE resource = ? AND window_start = ?`);
    this.listAll = db.prepare<[], SyncWindow>(`SELECT ${WINDOW_COLUMNS} FROM sync_windows ORDER BY resource, window_start DESC`);
    this.listOf = db.prepare<[WindowedResource], SyncWindow>(`SELECT ${WINDOW_COLUMNS} FROM sync_windows WHERE resource = ? ORDER BY window_start DESC`);
    // A page stored while a pass holds a page token continues that pass; any other page (the
    // window is new, complete, or was restarted) begins a new pass: the counters reset and the
    // pass starts when that page was fetched.
    this.recordPageStmt = db.prepare<PageProgress>(`
      INSERT INTO sync_windows (resource, window_start, window_end, status, page_token, page_token_issued_at, pages, items, fetched_at, pass_started_at)
      VALUES (@resource, @start, @end, 'open', @token, @issuedAt, 1, @items, @fetchedAt, @fetchedAt)
      ON CONFLICT (resource, window_start) DO UPDATE SET
        pages = CASE WHEN status = 'open' AND page_token IS NOT NULL THEN pages + 1 ELSE 1 END,
        items = CASE WHEN status = 'open' AND page_token IS NOT NULL THEN items + excluded.items ELSE excluded.items END,
        pass_started_at = CASE WHEN status = 'open' AND page_token IS NOT NULL THEN pass_started_at ELSE excluded.pass_started_at END,
        window_end = excluded.window_end, status = 'open', page_token = excluded.page_token,
        page_token_issued_at = excluded.page_token_issued_at, fetched_at = excluded.fetched_at`);
    this.completeStmt = db.prepare<[number, WindowedResource, number]>(`
      UPDATE sync_windows SET status = 'complete', completed_at = ?, page_token = NULL, page_token_issued_at = NULL
      WHERE resource = ? AND window_start = ?`);
    this.restartStmt = db.prepare<[WindowedResource, number]>(
      'UPDATE sync_windows SET page_token = NULL, page_token_issued_at = NULL WHERE resource = ? AND window_start = ?',
    );
  }

  get(resource: WindowedResource, start: number): SyncWindow | null {
    return this.getOne.get(resource, start) ?? null;
  }

  list(resource?: WindowedResource): SyncWindow[] {
    return resource ? this.listOf.all(resource) : this.listAll.all();
  }

  recordPage(resource: WindowedResource, window: WindowKey, next: PageCursor | null, items: number, fetchedAt: number): void {
    this.recordPageStmt.run({ resource, start: window.start, end: window.end, token: next?.token ?? null, issuedAt: next?.issuedAt ?? null, items, fetchedAt });
  }

  /** False when no page of the window was ever stored. */
  complete(resource: WindowedResource, start: number, completedAt: number): boolean {
    return this.completeStmt.run(completedAt, resource, start).changes > 0;
  }

  /** Forgets the page token (Zoom said it expired): the next pass starts at the first page. */
  restart(resource: WindowedResource, start: number): boolean {
    return this.restartStmt.run(resource, start).changes > 0;
  }
}
