// What the deletion-guarantee tests share: the trace scan run after every wipe, receipts checked
// the way a viewer checks them, a child daemon connected to the instant it serves, and looks at
// the files a killed daemon left behind that do not disturb them.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { expect } from 'vitest';
import { newAccountKey } from '../../src/core/ids.js';
import { publicKeyFromBase64, verifyReceipt, type SignedReceipt } from '../../src/core/receipt.js';
import { vaultFileOf } from '../../src/daemon/accounts.js';
import { DAY_MS } from '../../src/guard/leases.js';
import type { IpcClient } from '../../src/ipc/client.js';
import type { ReceiptView } from '../../src/ipc/schemas.js';
import type { SimUser, Simulator } from '../../src/sim/index.js';
import { encryptedCopy, openControl, openVault, vaultFiles, type ControlDb } from '../../src/store/index.js';
import { fileKeys } from '../helpers/deviceKeys.js';
import { fillVault } from '../fixtures/guarantee-vault.mjs';
import { BIN, InProcessDaemon, REPO, client, connectAccount, syncAndWait, type Home } from '../helpers/daemonHarness.js';

/** The child-process tests run the compiled daemon: `npm test` builds it, alone run `node scripts/build.mjs`. */
export function requireBuild(): void {
  if (!existsSync(join(REPO, 'dist', 'main.js'))) throw new Error('dist/ is missing: run `node scripts/build.mjs` before these tests');
}

export interface SyncedAccounts {
  h: InProcessDaemon;
  keys: [string, string];
  users: [SimUser, SimUser];
}

/**
 * Two simulator users connected (PKCE) and synced by a daemon on the real clock, which is then
 * stopped with syncing paused: the next daemon on this home holds their history and proves no
 * grant alive (an offline device), so only the lease decides what happens to it.
 */
export async function syncedAccounts(): Promise<SyncedAccounts> {
  const h = await InProcessDaemon.start();
  try {
    const c = await client(h.home);
    const [first, second] = h.sim.admin.users();
    const a = await connectAccount(c, h.sim, first!.userId);
    const b = await connectAccount(c, h.sim, second!.userId);
    for (const key of [a, b]) expect((await syncAndWait(c, key)).error).toBeNull();
    expect((await c.call('sync.pause', { paused: true })).ok).toBe(true);
    await c.close();
    await h.stop();
    return { h, keys: [a, b], users: [first!, second!] };
  } catch (e) {
    await h.close();
    throw e;
  }
}

/**
 * Files under the home's data, log, runtime and config folders holding any of `needles`, each file
 * read once. `skip` leaves out files known to belong to other accounts (their own vaults).
 */
export function tracesOf(home: Home, needles: readonly string[], skip: ReadonlySet<string> = new Set()): Array<{ needle: string; files: string[] }> {
  const hits = new Map<string, string[]>();
  for (const folder of [home.paths.data, home.paths.logs, home.paths.runtime, home.paths.config]) {
    if (!existsSync(folder)) continue;
    for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath, entry.name);
      if (!entry.isFile() || skip.has(path)) continue;
      const bytes = readFileSync(path);
      for (const needle of needles) if (bytes.includes(needle)) hits.set(needle, [...(hits.get(needle) ?? []), path]);
    }
  }
  return [...hits].map(([needle, files]) => ({ needle, files }));
}

/** Every string that marks the user's data: the simulator's canaries and every token it issued the user. */
function secretsOf(sim: Simulator, user: SimUser): string[] {
  return [...user.canaries, ...sim.admin.issuedTokens(user.userId)];
}

/**
 * The canary scan after a wipe: no file anywhere under the home names the user's data or
 * credentials, and the account's data key is gone, so no copy of its vault can be read anywhere.
 */
export function expectNoTraceOf(home: Home, sim: Simulator, user: SimUser, accountKey: string): void {
  expect(tracesOf(home, secretsOf(sim, user))).toEqual([]);
  expect(home.holdsDataKey(accountKey)).toBe(false);
}

/**
 * Before a wipe: the account's data is held (its data key is in control.db) and, its vault being
 * encrypted, no file under the home shows the user's data or credentials (invariant 6).
 */
export function expectHeldEncrypted(home: Home, sim: Simulator, user: SimUser, accountKey: string): void {
  expect(home.holdsDataKey(accountKey)).toBe(true);
  expect(tracesOf(home, secretsOf(sim, user))).toEqual([]);
}

/** A receipt as a viewer receives it, rebuilt into the signed body with the device id from `status`. */
function signedFrom(view: ReceiptView, deviceId: string): SignedReceipt {
  const { acked: _acked, ...rest } = view;
  return { ...rest, v: 1, deviceId };
}

/**
 * Checks every receipt the daemon lists the way anyone holding the device's public key and id
 * can, and that no tampered copy (another reason, time, size, user or device) verifies.
 */
export async function expectReceiptsVerify(c: IpcClient): Promise<ReceiptView[]> {
  const status = await c.call('status');
  const listed = await c.call('receipts.list', {});
  if (!status.ok || !listed.ok) throw new Error('status or receipts.list failed');
  const key = publicKeyFromBase64(status.value.devicePublicKey ?? '');
  expect(key).not.toBeNull();
  for (const view of listed.value.receipts) {
    const receipt = signedFrom(view, status.value.deviceId);
    expect(verifyReceipt(receipt, key!)).toBe(true);
    const tampered: SignedReceipt[] = [
      { ...receipt, reason: receipt.reason === 'user-purge' ? 'lease-expired' : 'user-purge' },
      { ...receipt, completedAt: receipt.completedAt + 1 },
      { ...receipt, requestedAt: receipt.requestedAt - 86_400_000 },
      { ...receipt, bytesRemoved: receipt.bytesRemoved + 1 },
      { ...receipt, zoomUserId: `${receipt.zoomUserId}x` },
      { ...receipt, deviceId: `${receipt.deviceId}x` },
      { ...receipt, verified: false },
    ];
    for (const copy of tampered) expect(verifyReceipt(copy, key!)).toBe(false);
  }
  return listed.value.receipts;
}

export interface SeededAccount {
  /** Every meeting topic and participant name of the account carries it. */
  canary: string;
  deadline: number;
  meetings: number;
  participantsPerMeeting: number;
  /** An existing vault file to start from (copied), before this account's own meetings are added. */
  template?: string;
  now?: number;
}

/**
 * Registers an active account with a lease ending at `deadline` and a vault of generated history,
 * through the store API, encrypted with a data key wrapped by the home's device key (a file: the
 * harness's homes use the file custody). A running daemon opens the vault only at its next start.
 * The vault has no Zoom tokens, so a sync would find the grant dead: homes built this way keep
 * syncing paused. Not while a daemon on this home is inside a wipe (it may be replacing the device key).
 */
export async function seedAccount(home: Home, control: ControlDb, account: SeededAccount): Promise<string> {
  const now = account.now ?? Date.now();
  const accountKey = newAccountKey();
  const added = control.accounts.add({ accountKey, zoomAccountId: `za${accountKey.slice(2, 10)}`, zoomUserId: `zu${accountKey.slice(2, 10)}`, createdAt: now, state: 'active' });
  if (!added.ok) throw new Error(added.error.message);
  control.leases.set(accountKey, { deadline: account.deadline, lastProofAt: account.deadline - 7 * DAY_MS, proofKind: 'zoom' });
  const file = vaultFileOf(home.paths, accountKey);
  const key = await dataKeyOf(home, control, accountKey, { create: true });
  let first = 0;
  if (account.template) {
    // The template is plaintext: each account's copy is encrypted with its own key.
    const copied = encryptedCopy(account.template, file, key);
    if (!copied.ok) throw new Error(copied.error.message);
    first = 1_000_000;
  }
  const vault = openVault(file, { create: true, key });
  if (!vault.ok) throw new Error(vault.error.message);
  vault.value.close();
  fillVault(file, { meetings: account.meetings, participantsPerMeeting: account.participantsPerMeeting, canary: account.canary, first, key });
  return accountKey;
}

/** An account's data key as the daemon of `home` would unwrap it (its device key in a file). */
export async function dataKeyOf(home: Home, control: ControlDb, accountKey: string, options = { create: false }): Promise<Buffer> {
  const keys = await fileKeys(control, home.paths.data);
  const key = keys.dataKey(accountKey, options);
  if (!key.ok) throw new Error(`no data key for ${accountKey}: ${JSON.stringify(key.error)}`);
  return key.value;
}

/** Scheduled and start-up syncs stay off (the daemon persists this in control.db). */
export function pauseSync(control: ControlDb): void {
  control.setMeta('sync.paused', 'true');
}

/** One run of the real `callvault` command under `home`, as a child process. */
export function runCallvault(home: Home, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, CALLVAULT_HOME: home.dir }, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/**
 * Opens control.db with the store API (a running daemon may share it: WAL), and closes it again
 * once `fn` is done (its promise settled, when it returns one).
 */
export function withControl<T>(home: Home, fn: (control: ControlDb) => T): T {
  const opened = openControl(join(home.paths.data, 'control.db'));
  if (!opened.ok) throw new Error(`control.db: ${opened.error.message}`);
  let result: T;
  try {
    result = fn(opened.value);
  } catch (e) {
    opened.value.close();
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => opened.value.close()) as T;
  opened.value.close();
  return result;
}

/**
 * A copy of a database and its -wal/-shm as a killed process left them, so that looking at it
 * (which recovers the WAL and checkpoints on close) changes nothing the restarted daemon sees.
 */
export class Snapshot {
  private readonly dir = mkdtempSync(join(tmpdir(), 'cv-snap-'));
  private readonly file: string;

  constructor(original: string) {
    this.file = join(this.dir, basename(original));
    vaultFiles(original).forEach((source, i) => {
      if (existsSync(source)) copyFileSync(source, vaultFiles(this.file)[i]!);
    });
  }

  /** PRAGMA integrity_check of the copy: 'ok', or SQLite's findings. */
  integrity(): string {
    const db = new Database(this.file);
    try {
      return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('\n');
    } finally {
      db.close();
    }
  }

  /** The vault's own check of the copy (tables and search index), opened with its data key. */
  vaultIntegrity(key: Buffer): string {
    const opened = openVault(this.file, { key });
    if (!opened.ok) return `cannot open: ${opened.error.message}`;
    try {
      return opened.value.integrityCheck();
    } finally {
      opened.value.close();
    }
  }

  /** The copy of control.db through the store API. */
  control<T>(fn: (control: ControlDb) => T): T {
    const opened = openControl(this.file);
    if (!opened.ok) throw new Error(`control.db copy: ${opened.error.message}`);
    try {
      return fn(opened.value);
    } finally {
      opened.value.close();
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls an asynchronous probe (an IPC call) until it holds; the harness's waitFor takes a synchronous one. */
export async function until(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The daemon's log as parsed lines (pino JSON), in the order written. */
export function logLines(home: Home): Array<{ msg?: string; account?: string; time?: number }> {
  const file = join(home.paths.logs, 'daemon.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { msg?: string; account?: string; time?: number });
}
