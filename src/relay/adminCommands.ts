import { systemClock } from '../core/clock.js';
import { parseWords, usageLine, type OptionSpec } from '../platform/commandLine.js';
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

function usage(io: CommandIo, command: string, problem: string): number {
  io.stderr.write(`${usageLine(`relay ${command}`, problem, 'relay')}\n`);
  return 2;
}

async function openFromArgs(command: string, values: { config?: string; 'data-dir'?: string }, io: CommandIo): Promise<Opened> {
  if (!values.config) return { ok: false, code: usage(io, command, '--config is required') };
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

const LEDGER_OPTIONS: OptionSpec = { config: { type: 'string' }, 'data-dir': { type: 'string' } };

/** `callvault relay migrate --config relay.json [--data-dir D]`: 0 migrated or current, 1 cannot, 2 bad usage. */
export async function runMigrateCommand(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseWords(argv, LEDGER_OPTIONS, false);
  if (!parsed.ok) return usage(io, 'migrate', parsed.error);
  const opened = await openFromArgs('migrate', parsed.value.flags as { config?: string; 'data-dir'?: string }, io);
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
export async function runReportCommand(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseWords(argv, { ...LEDGER_OPTIONS, since: { type: 'string' }, format: { type: 'string' } }, false);
  if (!parsed.ok) return usage(io, 'report', parsed.error);
  const values = parsed.value.flags as { config?: string; 'data-dir'?: string; since?: string; format?: string };
  const since = parseSince(values.since);
  if (since === null) return usage(io, 'report', '--since must be an ISO date such as 2026-01-31 or 2026-01-31T12:00:00Z');
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'csv') return usage(io, 'report', '--format must be json or csv');
  const opened = await openFromArgs('report', values, io);
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
