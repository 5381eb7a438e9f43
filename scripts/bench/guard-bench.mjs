// The deletion guarantee's benchmark, run against the compiled code in dist/ (`npm run build` first):
//   node scripts/bench/guard-bench.mjs
// 1. Wipe of a large encrypted vault (100,000 meetings, 1,000,000 participants) with the real Wiper
//    over a real control.db and the device key in a file (this machine's custody: no credential
//    store): the journal's own steps are the timing points, so the table shows when the data key
//    was destroyed (the data unreadable anywhere), when the device key was replaced, when the files
//    were overwritten and unlinked, and when the verified, signed receipt was stored. The vault is
//    generated once (plaintext) and, for each round, copied encrypted under the round's account's
//    own key (and flushed to disk), so every round wipes the same content from a settled disk.
// 2. Daemon start (the real `callvault daemon`, a child process) with three expired vaults: time
//    from spawn until the socket serves, every vault wiped first; the same start with three valid
//    leases for comparison.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../dist/core/clock.js';
import { newAccountKey } from '../../dist/core/ids.js';
import { verifyReceipt } from '../../dist/core/receipt.js';
import { Wiper } from '../../dist/guard/wipe.js';
import { connectIpc } from '../../dist/ipc/client.js';
import { silentLogger } from '../../dist/platform/logger.js';
import { encryptedCopy, openControl, openVault, vaultFiles } from '../../dist/store/index.js';
import { fillVault } from '../../tests/fixtures/guarantee-vault.mjs';
import { homeKeys, mustKey } from './keys.mjs';
import { printWhenRunDirectly } from './table.mjs';

const BIN = fileURLToPath(new URL('../../bin/callvault.js', import.meta.url));
const LARGE = { meetings: 100_000, participantsPerMeeting: 10 };
const WIPE_ROUNDS = 3;
/** Each of the three vaults of the start-up measure. */
const START_VAULT = { meetings: 10_000, participantsPerMeeting: 10 };
const START_ROUNDS = 3;
const DAY = 86_400_000;

function must(result) {
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const ms = (value) => Math.round(value * 10) / 10;

/** A generated plaintext vault file, closed and checkpointed: each account gets an encrypted copy. */
function buildVault(file, shape) {
  must(openVault(file, { create: true, key: null })).close();
  fillVault(file, { ...shape, canary: 'GuardBenchText', key: null });
}

/**
 * Copies the template into place, encrypted under the account's own data key (made now, wrapped by
 * the home's device key), and flushes it, so no round pays for another's dirty pages.
 */
function placeCopy(template, file, keys, accountKey) {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const key = mustKey(keys.dataKey(accountKey, { create: true }));
  must(encryptedCopy(template, file, key));
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** One account registered in control.db with its lease; the vault file is placed by the caller. */
function register(control, deadline) {
  const accountKey = newAccountKey();
  const now = Date.now();
  must(control.accounts.add({ accountKey, zoomAccountId: 'benchaccount', zoomUserId: 'benchuser', createdAt: now, state: 'active' }));
  control.leases.set(accountKey, { deadline, lastProofAt: now, proofKind: 'zoom' });
  return accountKey;
}

/** One wipe of a copy of the large vault, opened and read as the daemon holds it; times per step. */
async function wipeOnce(dir, template) {
  const control = must(openControl(join(dir, 'control.db')));
  try {
    const keys = await homeKeys(control, dir);
    // Other accounts on the device: the rotation re-wraps their keys.
    for (let i = 0; i < 3; i++) mustKey(keys.dataKey(register(control, Date.now() + 7 * DAY), { create: true }));
    const accountKey = register(control, Date.now() + 7 * DAY);
    const file = join(dir, 'vaults', `${accountKey}.db`);
    placeCopy(template, file, keys, accountKey);
    const vault = must(openVault(file, { key: mustKey(keys.dataKey(accountKey, { create: false })) }));
    // As the daemon's minute timer leaves it: the setup's writes folded into control.db.
    control.checkpoint();
    const counts = vault.counts();
    const live = {
      blockReads: () => {},
      stopSync: async () => {},
      closeVault: () => vault.close(),
      vaultFiles: () => vaultFiles(file),
    };
    const wiper = new Wiper({ control, live, keys, clock: systemClock, log: silentLogger(), scanFolders: [dir] });
    const marks = new Map();
    const journalStep = control.wipes.step.bind(control.wipes);
    control.wipes.step = (id, step, at) => {
      marks.set(step, performance.now());
      return journalStep(id, step, at);
    };
    // The key step is journaled inside the transaction that deletes the key: the key counts as
    // destroyed once that has committed and control.db's WAL has been folded in and emptied.
    const destroy = keys.destroy.bind(keys);
    keys.destroy = (...args) => {
      const existed = destroy(...args);
      marks.set('key-destroyed', performance.now());
      return existed;
    };
    const started = performance.now();
    const receipt = must(await wiper.wipe({ accountKey, reason: 'user-purge' }));
    const done = performance.now();
    if (!verifyReceipt(receipt, control.device().publicKey) || !receipt.verified) throw new Error('the receipt does not verify');
    if (receipt.method !== 'crypto-erase+overwrite') throw new Error(`the receipt says ${receipt.method}`);
    if (vaultFiles(file).some(existsSync)) throw new Error('vault files remain');
    const at = (step) => marks.get(step) - started;
    return {
      counts,
      bytes: receipt.bytesRemoved,
      readsBlocked: at('reads-blocked'),
      closed: at('closed'),
      keyDestroyed: at('key-destroyed'),
      rotated: at('device-key-rotated'),
      unlinked: at('files-unlinked'),
      overwrite: at('overwritten') - at('files-unlinked'),
      receipt: done - marks.get('overwritten'),
      total: done - started,
    };
  } finally {
    control.close();
  }
}

/** Spawns `callvault daemon` under `home` and resolves once a client has said hello over its socket. */
async function timeToServe(home) {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'daemon'], { env: { ...process.env, CALLVAULT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const socketPath = join(home, 'run', 'ipc.sock');
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the daemon exited: ${output}`);
      if (existsSync(socketPath)) {
        const connected = await connectIpc({ socketPath, tokenFile: join(home, 'run', 'ipc.token'), reconnect: false, timeoutMs: 30_000 });
        if (connected.ok) {
          const served = performance.now() - started;
          const receipts = must(await connected.value.call('receipts.list', {})).receipts;
          await connected.value.close();
          return { served, receipts: receipts.length };
        }
      }
      if (performance.now() - started > 120_000) throw new Error(`the daemon did not serve: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } finally {
    // The daemon handles SIGTERM only once it has printed its "running" line.
    const deadline = performance.now() + 10_000;
    while (child.exitCode === null && !output.includes('running') && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
}

/** A home whose control.db holds three accounts with vaults copied (encrypted) from `template`. */
async function homeWithThreeVaults(dir, template, deadline) {
  const home = mkdtempSync(join(dir, 'home-'));
  mkdirSync(join(home, 'config'), { recursive: true });
  writeFileSync(join(home, 'config', 'config.json'), '{}');
  const control = must(openControl(join(home, 'data', 'control.db')));
  try {
    // No Zoom tokens in these vaults: a sync would find the grants dead.
    control.setMeta('sync.paused', 'true');
    const keys = await homeKeys(control, join(home, 'data'));
    for (let i = 0; i < 3; i++) {
      const accountKey = register(control, deadline);
      placeCopy(template, join(home, 'data', 'vaults', `${accountKey}.db`), keys, accountKey);
    }
  } finally {
    control.close();
  }
  return home;
}

async function measureStart(dir, template, deadline, expectedReceipts) {
  const samples = [];
  for (let round = 0; round < START_ROUNDS; round++) {
    const home = await homeWithThreeVaults(dir, template, deadline);
    const { served, receipts } = await timeToServe(home);
    if (receipts !== expectedReceipts) throw new Error(`expected ${expectedReceipts} receipts at the first request, found ${receipts}`);
    samples.push(served);
    rmSync(home, { recursive: true, force: true });
  }
  return median(samples);
}

export async function runGuardBench() {
  const dir = mkdtempSync(join(tmpdir(), 'cv-guard-bench-'));
  try {
    const large = join(dir, 'large-template.db');
    const buildStarted = performance.now();
    buildVault(large, LARGE);
    const buildMs = performance.now() - buildStarted;
    const rounds = [];
    for (let round = 0; round < WIPE_ROUNDS; round++) rounds.push(await wipeOnce(mkdtempSync(join(dir, 'wipe-')), large));
    rmSync(large);
    const pick = (field) => ms(median(rounds.map((r) => r[field])));
    const { counts, bytes } = rounds[0];
    const shape = `${counts.meetings.toLocaleString('en')} meetings, ${counts.participants.toLocaleString('en')} participants, ${Math.round(bytes / 1e6)} MB`;

    const startVault = join(dir, 'start-template.db');
    buildVault(startVault, START_VAULT);
    const startShape = `3 vaults of ${START_VAULT.meetings.toLocaleString('en')} meetings, ${Math.round(statSync(startVault).size / 1e6)} MB each`;
    const expiredStart = await measureStart(dir, startVault, Date.now() - 60_000, 3);
    const validStart = await measureStart(dir, startVault, Date.now() + 7 * DAY, 0);

    const median3 = `median of ${WIPE_ROUNDS}`;
    return [
      { name: `build the large vault (${shape})`, value: ms(buildMs / 1000), unit: 's' },
      { name: `wipe, command → reads blocked (${median3})`, value: pick('readsBlocked'), unit: 'ms' },
      { name: `wipe, command → vault closed (${median3})`, value: pick('closed'), unit: 'ms' },
      { name: `wipe, command → data key destroyed: every copy unreadable (${median3})`, value: pick('keyDestroyed'), unit: 'ms', target: '<= 20' },
      { name: `wipe, command → device key replaced, the other accounts' keys re-wrapped (${median3})`, value: pick('rotated'), unit: 'ms' },
      { name: `wipe, command → data unreachable and files unlinked (${median3})`, value: pick('unlinked'), unit: 'ms', target: '<= 300' },
      { name: `wipe, then the overwrite with zeros + fsync, through the open handles (${median3})`, value: pick('overwrite'), unit: 'ms' },
      { name: `wipe, overwritten → verified, signed receipt stored (${median3})`, value: pick('receipt'), unit: 'ms' },
      { name: `wipe, command → receipt, total (${median3})`, value: pick('total'), unit: 'ms' },
      { name: `daemon start → socket serves, 3 expired vaults wiped first (${startShape}, median of ${START_ROUNDS})`, value: ms(expiredStart), unit: 'ms' },
      { name: `daemon start → socket serves, same 3 vaults with valid leases (median of ${START_ROUNDS})`, value: ms(validStart), unit: 'ms' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await printWhenRunDirectly(import.meta.url, 'guard', runGuardBench);
