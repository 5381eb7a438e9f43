import { parseArgs } from 'node:util';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../platform/logger.js';
import { openLedger } from './ledgerSpec.js';
import type { Ledger } from './ledger.js';
import { ledgerSpecOf, readRelayConfig, relayDataDir } from './relayConfig.js';
import { CSV_HEADER, csvLines, overdueSummary, reportItems } from './report.js';
import { parseSince } from './reportRoute.js';

// The operator's commands beside the running relay: `callvault relay migrate` brings the ledger's
// schema up to date (every relay start does it too), `callvault relay report` prints the auditor's
// report straight from the ledger, page by page.

/** Where a command writes (the relay command's io). */
export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Exit code of a report that found a device past its deadline without a receipt: a cron job can alert on it. */
export const REPORT_ALARM_EXIT = 3;

type Opened = { ok: true; ledger: Ledger; from: number; to: number } | { ok: false; code: number };

async function openFromArgs(command: string, values: { config?: string; 'data-dir'?: string }, io: CommandIo, usage: string): Promise<Opened> {
  if (!values.config) {
    io.stderr.write(`callvault relay ${command}: --config is required\n${usage}`);
    return { ok: false, code: 2 };
  }
  const read = readRelayConfig(values.config);
  if ('problem' in read) {
    io.stderr.write(`callvault relay ${command}: ${read.problem}\n`);
    return { ok: false, code: 2 };
  }
  const opened = await openLedger(ledgerSpecOf(read.config, relayDataDir(values['data-dir'])), { clock: systemClock, log: silentLogger() });
  if (!opened.ok) {
    io.stderr.write(`callvault relay ${command}: ${opened.error}\n`);
    return { ok: false, code: 1 };
  }
  return { ok: true, ledger: opened.value.ledger, ...opened.value.schema };
}

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(
  command: string,
  argv: string[],
  options: T,
  io: CommandIo,
  usage: string,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>>['values'] | null {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    io.stderr.write(`callvault relay ${command}: ${(e as Error).message}\n${usage}`);
    return null;
  }
}

/** `callvault relay migrate --config relay.json [--data-dir D]`: 0 migrated or current, 1 cannot, 2 bad usage. */
export async function runMigrateCommand(argv: string[], io: CommandIo, usage: string): Promise<number> {
  const values = parse('migrate', argv, { config: { type: 'string' }, 'data-dir': { type: 'string' } }, io, usage);
  if (!values) return 2;
  const opened = await openFromArgs('migrate', values, io, usage);
  if (!opened.ok) return opened.code;
  await opened.ledger.close();
  io.stdout.write(opened.from === opened.to ? `the ledger schema is current (version ${opened.to})\n` : `the ledger schema migrated from version ${opened.from} to ${opened.to}\n`);
  return 0;
}

/**
 * `callvault relay report --config relay.json [--since DATE] [--format json|csv]`: the whole report
 * on stdout, written a page at a time (JSON: one document; CSV: one line per device). Exit 3 when a
 * device is past its deadline without a receipt (named on stderr), 0 otherwise.
 */
export async function runReportCommand(argv: string[], io: CommandIo, usage: string): Promise<number> {
  const values = parse('report', argv, { config: { type: 'string' }, 'data-dir': { type: 'string' }, since: { type: 'string' }, format: { type: 'string' } }, io, usage);
  if (!values) return 2;
  const since = parseSince(values.since);
  if (since === null) {
    io.stderr.write('callvault relay report: --since must be an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z\n');
    return 2;
  }
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'csv') {
    io.stderr.write('callvault relay report: --format must be json or csv\n');
    return 2;
  }
  const opened = await openFromArgs('report', values, io, usage);
  if (!opened.ok) return opened.code;
  const { ledger } = opened;
  try {
    const now = systemClock.now();
    const overdue = await overdueSummary(ledger, now);
    if (format === 'csv') {
      io.stdout.write(CSV_HEADER);
      for await (const item of reportItems(ledger, since, now)) io.stdout.write(csvLines(item));
    } else {
      const head = { generatedAt: new Date(now).toISOString(), since: new Date(since).toISOString(), overdue };
      io.stdout.write(`${JSON.stringify(head).slice(0, -1)},"deauthorizations":[`);
      let first = true;
      for await (const item of reportItems(ledger, since, now)) {
        io.stdout.write(`${first ? '\n' : ',\n'}${JSON.stringify(item)}`);
        first = false;
      }
      io.stdout.write('\n]}\n');
    }
    if (overdue.count === 0) return 0;
    io.stderr.write(`callvault relay report: ALARM: ${overdue.count} device(s) past their self-wipe deadline without a receipt\n`);
    return REPORT_ALARM_EXIT;
  } finally {
    await ledger.close();
  }
}
