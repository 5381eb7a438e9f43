import type { Clock } from '../core/clock.js';
import { errorReply, reply, textReply } from './httpIo.js';
import type { Ledger } from './ledger.js';
import { CSV_HEADER, csvLines, decodeCursor, encodeCursor, overdueSummary, REPORT_DEFAULT_PAGE, REPORT_PAGE_LIMIT, reportPage } from './report.js';
import type { RouteOutcome, RouteRequest } from './router.js';

export interface ReportRouteDeps {
  ledger: Ledger;
  clock: Clock;
}

/** `since` as an ISO date or time; absent: from the beginning. */
export function parseSince(text: string | null | undefined): number | null {
  if (text === null || text === undefined || text === '') return 0;
  const at = Date.parse(text);
  return Number.isFinite(at) ? at : null;
}

/**
 * GET /v1/report?since=DATE&limit=N&cursor=C&format=json|csv (admin token). JSON answers carry
 * `next`, the cursor of the following page (null on the last); CSV answers carry it in the
 * x-next-cursor header, and the alarm's count in x-overdue-devices.
 */
export async function reportRoute({ query }: RouteRequest, deps: ReportRouteDeps): Promise<RouteOutcome> {
  const since = parseSince(query.get('since'));
  if (since === null) return errorReply(400, 'BAD_REQUEST', 'since must be an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z');
  const limitText = query.get('limit');
  const limit = limitText === null ? REPORT_DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > REPORT_PAGE_LIMIT) return errorReply(400, 'BAD_REQUEST', `limit must be a whole number from 1 to ${REPORT_PAGE_LIMIT}`);
  const cursorText = query.get('cursor');
  const after = cursorText === null ? null : decodeCursor(cursorText);
  if (cursorText !== null && after === null) return errorReply(400, 'BAD_REQUEST', 'cursor is not one this relay gave out');
  const format = query.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') return errorReply(400, 'BAD_REQUEST', 'format must be json or csv');

  const now = deps.clock.now();
  const overdue = await overdueSummary(deps.ledger, now);
  const page = await reportPage(deps.ledger, { since, after, limit }, now);
  const next = page.next ? encodeCursor(page.next) : null;
  if (format === 'csv') {
    const headers: Record<string, string> = { 'x-overdue-devices': String(overdue.count) };
    if (next) headers['x-next-cursor'] = next;
    return textReply(200, 'text/csv; charset=utf-8', CSV_HEADER + page.items.map(csvLines).join(''), headers);
  }
  return reply(200, { generatedAt: new Date(now).toISOString(), since: new Date(since).toISOString(), overdue, items: page.items, next });
}
