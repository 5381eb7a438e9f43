// Plain-text rendering for the CLI: tables for people, nothing fancy, no dependencies.
import { ago, fromNow } from '../platform/timeWords.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Right-align numbers. */
  align?: 'left' | 'right';
  /** Longer cells are cut with an ellipsis. */
  maxWidth?: number;
}

export function table<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  const cells = rows.map((row) => columns.map((c) => truncate(oneLine(c.value(row)), c.maxWidth)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length)));
  const render = (values: string[]): string =>
    values
      .map((v, i) => (columns[i]?.align === 'right' ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [render(columns.map((c) => c.header)), ...cells.map(render)].join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

function truncate(text: string, max: number | undefined): string {
  if (!max || text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** `2026-03-01 14:05` in the viewer's local time zone (what a person reading a list expects). */
export function dateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "5 min ago", "in 6 days": for status lines; the tray says times the same way. */
export function relative(ms: number | null | undefined, now: number): string {
  if (ms === null || ms === undefined) return 'never';
  return ms <= now ? ago(ms, now) : fromNow(ms, now);
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s).padStart(2, '0')}s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let unit = units[0];
  for (let i = 1; i < units.length && value >= 1024; i++) {
    value /= 1024;
    unit = units[i];
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** A one-line progress bar, redrawn in place on a terminal. */
export function progressBar(fraction: number, width = 30): string {
  const clamped = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(clamped * 100)).padStart(3)}%`;
}

/**
 * Parses a date given on the command line: `2026-03-01`, `2026-03-01T14:00`, or a relative
 * `7d` / `12h` (before now). Returns null when it is none of these.
 */
export function parseWhen(text: string, now: number): number | null {
  const rel = /^(\d+)([dhm])$/.exec(text);
  if (rel) {
    const n = Number(rel[1]);
    const unit = rel[2] === 'd' ? 86_400_000 : rel[2] === 'h' ? 3_600_000 : 60_000;
    return now - n * unit;
  }
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$/.test(text)) return null;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00` : text.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : ms;
}
