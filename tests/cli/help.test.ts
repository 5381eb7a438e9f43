import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { PARTS } from '../../src/cli/help.js';
import { main } from '../../src/main.js';
import { BIN } from '../helpers/daemonHarness.js';
import { requireBuild } from './helpers.js';

// Help and usage mistakes, for every command: the router in-process (nothing here reaches a
// daemon: help and bad words are answered before anything connects or starts), and the real
// `callvault` command as a child process for the wiring.

const EVERY_COMMAND = [...Object.keys(COMMANDS), ...Object.keys(PARTS)];

/** Runs the router with stdout and stderr captured. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Node's own parseArgs wording, which a user must never see. */
const NODE_WORDING = /To specify a positional argument|ERR_PARSE_ARGS|Unknown option '|argument missing/;

let home: string;
beforeAll(() => {
  // A home with no daemon: a command that slipped past the usage check would exit 3, not 2.
  home = mkdtempSync(join(tmpdir(), 'cv-help-'));
  vi.stubEnv('CALLVAULT_HOME', home);
});
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(home, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

describe('callvault help', () => {
  it('lists every command, viewers and parts alike', async () => {
    const { code, stdout } = await run('help');
    expect(code).toBe(0);
    for (const name of EVERY_COMMAND) expect(stdout).toMatch(new RegExp(`^  ${name}\\s`, 'm'));
    for (const name of ['daemon', 'service', 'tray', 'sim', 'relay', 'demo', 'version']) expect(EVERY_COMMAND).toContain(name);
  });

  it.each(EVERY_COMMAND)('help %s and %s --help print its summary and usage, exit 0', async (name) => {
    const help = await run('help', name);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe('');
    expect(help.stdout).toContain(`usage: callvault ${name}`);
    const summary = (COMMANDS[name] ?? PARTS[name])!.summary;
    expect(help.stdout.split('\n')[0]).toBe(summary);
    for (const flag of ['--help', '-h']) expect(await run(name, flag)).toEqual(help);
  });

  it.each(EVERY_COMMAND)('%s with an unknown option: one line of ours naming it, exit 2', async (name) => {
    const { code, stdout, stderr } = await run(name, '--frobnicate');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`callvault ${name}: unknown option --frobnicate. See: callvault help ${name}\n`);
  });

  it('names a missing value, an extra word and a value given to a switch, each in one line', async () => {
    const cases: Array<[string[], string]> = [
      [['meetings', '--limit'], 'callvault meetings: --limit needs a value'],
      [['meetings', '--limit', '--json'], 'callvault meetings: --limit needs a value'],
      [['status', 'now'], "callvault status: unexpected argument 'now'"],
      [['status', '--json=yes'], 'callvault status: --json takes no value'],
      [['relay', '--port'], 'callvault relay: --port needs a value'],
      [['service', 'start'], "callvault service: unknown action 'start' (install, uninstall or status)"],
      [['service'], 'callvault service: say what to do: install, uninstall or status'],
      [['demo', 'deauth', 'now'], "callvault demo: unexpected argument 'now'"],
      [['daemon', 'now'], "callvault daemon: unexpected argument 'now'"],
      [['tray', 'now'], "callvault tray: unexpected argument 'now'"],
      [['version', 'now'], "callvault version: unexpected argument 'now'"],
      [['sim', 'now'], "callvault sim: unexpected argument 'now'"],
    ];
    for (const [argv, line] of cases) {
      const { code, stderr } = await run(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stderr.split('\n').filter(Boolean), argv.join(' ')).toHaveLength(1);
      expect(stderr, argv.join(' ')).toContain(line);
      expect(stderr).not.toMatch(NODE_WORDING);
    }
  });

  it('an unknown command, or help for one, is one line and exit 2', async () => {
    expect(await run('meetigns')).toEqual({ code: 2, stdout: '', stderr: "callvault: unknown command 'meetigns'. See: callvault help\n" });
    expect(await run('help', 'meetigns')).toEqual({ code: 2, stdout: '', stderr: "callvault: unknown command 'meetigns'. See: callvault help\n" });
  });

  it('works the same through the installed command (bin/callvault.js)', () => {
    requireBuild();
    const env = { ...process.env, CALLVAULT_HOME: home };
    const help = spawnSync(process.execPath, [BIN, 'relay', '--help'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: callvault relay --config relay.json');
    const wrong = spawnSync(process.execPath, [BIN, 'meetings', '--sinse', '7d'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toBe('callvault meetings: unknown option --sinse. See: callvault help meetings\n');
  });
});
