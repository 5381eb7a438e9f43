// Log hygiene (DESIGN.md invariant 1): a sync of canary data, through token refreshes, faults,
// 429s and a dead grant, with a real logger at every level, leaves no Zoom content and no token in
// any log file, and no file anywhere but the vault and the log folder. The sync runs in a child
// process (tests/fixtures/sync-child.mjs, on the compiled code in dist/) whose temp folder, home
// and working folder are empty folders of this test, so a stray file shows up.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimUser } from '../../src/sim/index.js';
import { openVault } from '../../src/store/index.js';
import { TEST_KEY } from '../helpers/vaultKey.js';
import { unwrap } from '../store/fixtures.js';
import { connectVault } from './simAccount.js';

const CHILD = fileURLToPath(new URL('../fixtures/sync-child.mjs', import.meta.url));
const DIST_ENGINE = fileURLToPath(new URL('../../dist/sync/engine.js', import.meta.url));
/** The simulator holds a 'timeout' fault this long; the client gives up sooner. */
const FAULT_DELAY_MS = 400;
const CLIENT = { timeoutMs: 150, retry: { baseMs: 20, capMs: 200, attempts: 6 } };
const MAX_FAULTED_RUNS = 6;

interface ChildRun {
  outcomes: string[];
  output: string;
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('logs of a sync', () => {
  let root: string;
  let sim: Simulator;
  let user: SimUser;
  const folders = { vaults: '', logs: '', tmp: '', home: '', work: '' };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cv-'));
    for (const name of Object.keys(folders) as Array<keyof typeof folders>) {
      folders[name] = join(root, name);
      mkdirSync(folders[name]);
    }
    sim = await startSimulator({
      seed: 'log-hygiene',
      faultDelayMs: FAULT_DELAY_MS,
      accounts: [{ plan: 'business', users: [{ dataset: { meetings: 24, participantsPerMeeting: 4, calls: 40, recordings: 6, days: 183 } }] }],
    });
    user = sim.admin.users()[0]!;
  });

  afterAll(async () => {
    await sim?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** One sync in a child whose temp, home and working folders are this test's empty folders. */
  function runSync(vault: string): Promise<ChildRun> {
    const config = { vault, key: TEST_KEY.toString('hex'), sim: { url: sim.url, clientId: sim.clientId }, zoomAccountId: user.accountId, plan: user.plan, historyDays: 366, retentionDays: 365, logDir: folders.logs, api: CLIENT, pause: null };
    const child = spawn(process.execPath, [CHILD], {
      cwd: folders.work,
      env: { ...process.env, TMPDIR: folders.tmp, TMP: folders.tmp, TEMP: folders.tmp, SQLITE_TMPDIR: folders.tmp, HOME: folders.home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(`${JSON.stringify(config)}\n`);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    return new Promise((resolve) => {
      child.once('close', () => {
        const outcomes = output
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { event: string; outcome?: string })
          .filter((e) => e.event === 'done')
          .map((e) => e.outcome ?? '');
        resolve({ outcomes, output });
      });
    });
  }

  it('holds no Zoom content or token, and nothing is written outside the vault and the log folder', async () => {
    expect(existsSync(DIST_ENGINE), 'dist/ is missing: run `npm run build` first').toBe(true);
    const file = join(folders.vaults, 'a_log_hygiene.db');
    const vault = await connectVault(sim, user, file);
    // An access token at its end: the first request refreshes it.
    vault.saveTokens({ ...vault.getTokens()!, expiresAt: 0 });
    vault.close();

    const outputs: string[] = [];
    // The first requests meet one fault of each kind, then one request in five fails at random.
    sim.admin.setFaults({
      rate: 0.2,
      seed: 5,
      next: [
        { kind: '429-headerless', count: 1 },
        { kind: '5xx', count: 1 },
        { kind: 'timeout', count: 1 },
        { kind: 'malformed', count: 1 },
      ],
    });
    let outcome = '';
    for (let run = 0; run < MAX_FAULTED_RUNS && outcome !== 'ok'; run++) {
      const result = await runSync(file);
      outputs.push(result.output);
      outcome = result.outcomes[0] ?? '';
    }
    expect(outcome).toBe('ok');
    sim.admin.setFaults({});
    const statuses = new Set(Object.values(sim.admin.counts()).flatMap((byStatus) => Object.keys(byStatus)));
    expect([...statuses]).toEqual(expect.arrayContaining(['200', '429', 'timeout']));
    expect(statuses.has('500') || statuses.has('503')).toBe(true);

    sim.admin.revokeGrant(user.userId);
    const dead = await runSync(file);
    outputs.push(dead.output);
    expect(dead.outcomes).toEqual(['dead-grant']);

    const stored = unwrap(openVault(file, { key: TEST_KEY }));
    try {
      expect(stored.counts().meetings).toBeGreaterThan(0);
      expect(stored.counts().participants).toBeGreaterThan(0);
    } finally {
      stored.close();
    }

    const secrets = [...user.canaries, user.email, ...sim.admin.issuedTokens(user.userId)];
    expect(secrets.length).toBeGreaterThan(4);
    const logFiles = filesUnder(folders.logs);
    expect(logFiles).toEqual(['sync.log']);
    const log = readFileSync(join(folders.logs, 'sync.log'), 'utf8');
    // The log has the lines of every path above: warnings of the faults, and each run's end.
    expect(log).toContain('"level":40');
    expect(log).toContain('"outcome":"dead-grant"');
    for (const text of [log, ...outputs]) {
      for (const secret of secrets) expect(text.includes(secret), 'a canary, the email or a token was written').toBe(false);
    }

    expect(filesUnder(folders.vaults).every((name) => name.startsWith('a_log_hygiene.db'))).toBe(true);
    expect(filesUnder(folders.tmp)).toEqual([]);
    expect(filesUnder(folders.home)).toEqual([]);
    expect(filesUnder(folders.work)).toEqual([]);
    expect(readdirSync(root).sort()).toEqual(Object.keys(folders).sort());
  });
});
