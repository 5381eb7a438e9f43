// A sync killed with SIGKILL at random points and started again, until a run finishes: the vault
// must stay sound after every kill (integrity, no duplicates, a search index in step with the rows)
// and end with exactly the rows of a clean run, which itself equals the simulator's ground truth.
// The sync runs in a child process (tests/fixtures/sync-child.mjs, on the compiled code in dist/:
// `npm run build` first). Kill points (see killPoint) take their parameters from a seeded
// generator: set CV_CRASH_SEED to replay a run; the seed in use is printed.

import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimUser } from '../../src/sim/index.js';
import { openVault, vaultFiles } from '../../src/store/index.js';
import { TEST_KEY } from '../helpers/vaultKey.js';
import { unwrap } from '../store/fixtures.js';
import { connectVault, expectedIds, storedIds } from './simAccount.js';
import { historyRows, vaultHealth } from './vaultDump.js';
import { createRng } from '../../src/sim/random.js';

const CHILD = fileURLToPath(new URL('../fixtures/sync-child.mjs', import.meta.url));
const DIST_ENGINE = fileURLToPath(new URL('../../dist/sync/engine.js', import.meta.url));
const HISTORY_DAYS = 366;
const RETENTION_DAYS = 365;
const KILLS = 24;
/**
 * The first sync of this history takes 12 to 20 runs of the rotation below (the meetings' details
 * and participant lists all come after the newest month, so a run killed in an older window has
 * stored them all); later runs are incremental.
 */
const MIN_KILLS_IN_FIRST_SYNC = 10;
const MIN_KILLS_OF_EACH = 2;
/** Runs the kill loop may take (a run can end before its kill point: nothing of that kind left). */
const MAX_RUNS = 60;
const CHILD_LIMIT_MS = 20_000;
const SEED = Number(process.env.CV_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

type Pause = { where: 'page' | 'old-page' | 'after-page' | 'participants'; n: number; at?: number };
type KillPoint = { kind: 'pause'; pause: Pause } | { kind: 'time'; ms: number };
type ChildEvent = { event: string; outcome?: string; where?: string };


/**
 * Kill points, at a random row of a transaction or a random time. Every run stores the current
 * month again, then the participant lists still missing, then goes on where the last run stopped;
 * kill points that move the sync on by little come often, so the kills spread over all of it.
 * 'page': in the run's first page (the current month's recordings or calls); 'participants': in one of the
 * first participant lists; 'old-page': in the first page of an ended window (the next window of the
 * history); 'after-page': after the first such page with another to come. Once the history is all
 * there, runs fetch the current month only, where only 'page' and 'time' points are left.
 */
// The kinds only the first sync has come first, so that each is met twice in its first 11 runs.
const FIRST_SYNC = ['participants', 'old-page', 'after-page', 'page', 'participants', 'time', 'participants', 'page'] as const;
const LATER_SYNCS = ['page', 'time'] as const;

function killPoint(i: number, random: () => number, firstSyncDone: boolean): KillPoint {
  const kind = firstSyncDone ? LATER_SYNCS[i % LATER_SYNCS.length]! : FIRST_SYNC[i % FIRST_SYNC.length]!;
  switch (kind) {
    case 'participants':
      return { kind: 'pause', pause: { where: kind, n: 1 + Math.floor(random() * 4), at: random() } };
    case 'page':
    case 'old-page':
      return { kind: 'pause', pause: { where: kind, n: 1, at: random() } };
    case 'after-page':
      return { kind: 'pause', pause: { where: kind, n: 1 } };
    case 'time':
      return { kind: 'time', ms: Math.floor(random() * 300) };
  }
}

interface RunResult {
  /** 'killed' with where it was, or the run's own end. */
  ended: { killed: string } | { outcome: string; code: number | null };
}

describe('a sync killed with SIGKILL at random points', () => {
  let dir: string;
  let sim: Simulator;
  let user: SimUser;
  const children = new Set<ChildProcess>();
  let standby: ChildProcess | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cv-'));
    sim = await startSimulator({
      seed: SEED,
      accounts: [{ plan: 'business', users: [{ dataset: { meetings: 300, participantsPerMeeting: 5, calls: 6000, recordings: 24, days: 183 } }] }],
    });
    user = sim.admin.users()[0]!;
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function connectedVault(name: string): Promise<string> {
    const file = join(dir, 'vaults', `${name}.db`);
    (await connectVault(sim, user, file)).close();
    return file;
  }

  function spawnChild(): ChildProcess {
    const child = spawn(process.execPath, [CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  }

  /**
   * Runs a child on `vault` until `point` (then SIGKILLs it by its pid) or until it ends. The next
   * child is started meanwhile: it loads its modules while this one syncs.
   */
  function runChild(vault: string, point: KillPoint | null): Promise<RunResult> {
    const child = standby ?? spawnChild();
    standby = spawnChild();
    const config = { vault, key: TEST_KEY.toString('hex'), sim: { url: sim.url, clientId: sim.clientId }, zoomAccountId: user.accountId, plan: user.plan, historyDays: HISTORY_DAYS, retentionDays: RETENTION_DAYS, pause: point?.kind === 'pause' ? point.pause : null };
    child.stdin!.end(`${JSON.stringify(config)}\n`);
    return new Promise((resolve, reject) => {
      let last = 'start';
      let outcome = '';
      let killedAt: string | null = null;
      let timer: NodeJS.Timeout | undefined;
      const kill = (where: string): void => {
        if (killedAt !== null || outcome !== '' || !child.pid) return;
        killedAt = where;
        process.kill(child.pid, 'SIGKILL');
      };
      const limit = setTimeout(() => {
        kill('limit');
        reject(new Error(`the child did not reach its kill point within ${CHILD_LIMIT_MS} ms (last event: ${last})`));
      }, CHILD_LIMIT_MS);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const event = JSON.parse(line) as ChildEvent;
        if (event.event === 'paused') kill(`inside a transaction (${event.where})`);
        else if (event.event === 'ready' && point?.kind === 'time') timer = setTimeout(() => kill(`${point.ms} ms after start, after ${last}`), point.ms);
        else if (event.event === 'done') outcome = event.outcome ?? '';
        last = event.event;
      });
      child.once('exit', (code) => {
        clearTimeout(limit);
        clearTimeout(timer);
        if (killedAt === 'limit') return;
        resolve({ ended: killedAt !== null ? { killed: killedAt } : { outcome, code } });
      });
    });
  }

  /** The vault as a daemon would find it after the crash, checked on a copy so the next child meets the crash itself. */
  function checkAfterCrash(vault: string, n: number): void {
    const copyDir = join(dir, `check-${n}`);
    mkdirSync(copyDir);
    const copy = join(copyDir, 'vault.db');
    vaultFiles(vault).forEach((file, i) => {
      if (existsSync(file)) copyFileSync(file, vaultFiles(copy)[i]!);
    });
    expectSound(copy, `after kill ${n}`);
    rmSync(copyDir, { recursive: true, force: true });
  }

  function expectSound(vault: string, when: string): void {
    const health = vaultHealth(vault);
    expect(health.integrity, when).toBe('ok');
    expect(health.duplicates, when).toBe(0);
    expect(health.indexEntries, when).toBe(health.indexedRows);
  }

  // About 25 s on two idle cores; the limit leaves room for a machine busy with other test files.
  it('keeps the vault sound after every kill and ends with exactly the rows of a clean run', { timeout: 120_000 }, async () => {
    expect(existsSync(DIST_ENGINE), 'dist/ is missing: run `npm run build` first').toBe(true);
    console.log(`crash test seed: ${SEED} (replay with CV_CRASH_SEED=${SEED})`);

    const clean = await connectedVault('clean');
    const cleanRun = await runChild(clean, null);
    expect(cleanRun.ended).toEqual({ outcome: 'ok', code: 0 });
    const cleanVault = unwrap(openVault(clean, { key: TEST_KEY }));
    try {
      expect(storedIds(cleanVault)).toEqual(expectedIds(sim, user.userId, HISTORY_DAYS, RETENTION_DAYS));
    } finally {
      cleanVault.close();
    }

    const crashed = await connectedVault('crashed');
    const random = createRng(String(SEED)).next;
    const kills: string[] = [];
    /** Kills before a run first got to the end: those that hit the first sync of the history. */
    let killsInFirstSync: number | null = null;
    // The kind rotates after every run, killed or not: a run that ends before its kill point (it
    // found no participant list left to store, say) does not hold the rotation up.
    for (let run = 0; kills.length < KILLS; run++) {
      expect(run, `only ${kills.length} kills in ${MAX_RUNS} runs`).toBeLessThan(MAX_RUNS);
      const result = await runChild(crashed, killPoint(run, random, killsInFirstSync !== null));
      if ('killed' in result.ended) {
        kills.push(result.ended.killed);
        checkAfterCrash(crashed, kills.length);
      } else {
        expect(result.ended).toEqual({ outcome: 'ok', code: 0 });
        killsInFirstSync ??= kills.length;
      }
    }
    const final = await runChild(crashed, null);
    expect(final.ended).toEqual({ outcome: 'ok', code: 0 });

    expect(killsInFirstSync ?? kills.length).toBeGreaterThanOrEqual(MIN_KILLS_IN_FIRST_SYNC);
    const where = (text: string) => kills.filter((k) => k.includes(text)).length;
    expect(where('(page)')).toBeGreaterThanOrEqual(MIN_KILLS_OF_EACH);
    expect(where('(old-page)')).toBeGreaterThanOrEqual(MIN_KILLS_OF_EACH);
    expect(where('(after-page)')).toBeGreaterThanOrEqual(MIN_KILLS_OF_EACH);
    expect(where('(participants)')).toBeGreaterThanOrEqual(MIN_KILLS_OF_EACH);
    expect(where(' ms after start')).toBeGreaterThanOrEqual(MIN_KILLS_OF_EACH);
    expectSound(crashed, 'at the end');
    expect(historyRows(crashed)).toEqual(historyRows(clean));
  });
});
