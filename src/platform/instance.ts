import { createHash, randomBytes } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import type { AppPaths } from './paths.js';

// One daemon per OS user (DESIGN.md "Processes"). node-ipc's `serve` unlinks whatever sits at the
// socket path, so a second daemon would silently take a live daemon's socket; nothing may listen
// before `acquireInstance` has (1) taken the lock file and (2) dialled the socket.

/** Where a daemon listens and where its clients find the token. */
export interface IpcEndpoint {
  /** A unix socket path, or `\\.\pipe\...` on Windows. */
  socketPath: string;
  tokenFile: string;
}

export type InstanceError =
  | { kind: 'already-running'; pid: number | null }
  | { kind: 'socket-path-too-long'; path: string; bytes: number; max: number }
  | { kind: 'unsafe-runtime-dir'; path: string; reason: string }
  | { kind: 'io'; path: string; code: string };

export interface InstanceHandle extends IpcEndpoint {
  lockFile: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

export interface AcquireOptions {
  /** Times the retries around a stale lock and the dial. */
  clock?: Clock;
}

/**
 * sun_path holds 104 bytes on macOS and the BSDs (108 on Linux), including the final NUL; the
 * smaller bound keeps one rule for every platform.
 */
export const MAX_SOCKET_PATH_BYTES = 103;

/** Windows named pipes live under this prefix. */
export const PIPE_PREFIX = '\\\\.\\pipe\\';
const LOCK_NAME = 'daemon.lock';
const LOCK_ATTEMPTS = 40;
const LOCK_RETRY_MS = 25;
/** A dial still pending after this counts as a daemon alive but busy. */
const DIAL_TIMEOUT_MS = 2000;

export function ipcEndpoint(paths: AppPaths, platform: NodeJS.Platform = process.platform): IpcEndpoint {
  const tokenFile = join(paths.runtime, 'ipc.token');
  if (platform === 'win32') {
    // Pipe names are global, so the name is derived from the runtime folder: two users, or two
    // CALLVAULT_HOME instances of one user, never meet on one pipe.
    const digest = createHash('sha256').update(paths.runtime.toLowerCase()).digest('hex').slice(0, 16);
    return { socketPath: `${PIPE_PREFIX}callvault-${digest}`, tokenFile };
  }
  return { socketPath: join(paths.runtime, 'ipc.sock'), tokenFile };
}

export function isNamedPipe(socketPath: string): boolean {
  return socketPath.startsWith(PIPE_PREFIX);
}

export function checkSocketPath(socketPath: string): Result<void, InstanceError> {
  if (isNamedPipe(socketPath)) return ok(undefined);
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    return err({ kind: 'socket-path-too-long', path: socketPath, bytes, max: MAX_SOCKET_PATH_BYTES });
  }
  return ok(undefined);
}

/**
 * The runtime folder guards the socket and the token: it must be a real folder of the current
 * user that nobody else can enter. A folder made by someone else (e.g. a pre-created
 * /tmp/callvault-<uid>) is refused, never repaired.
 */
export function checkRuntimeDir(dir: string): Result<void, InstanceError> {
  // Windows has no POSIX modes; the folder under %LOCALAPPDATA% is private to the user already.
  if (process.platform === 'win32') return ok(undefined);
  let stat;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    return err({ kind: 'io', path: dir, code: codeOf(error) });
  }
  const refuse = (reason: string): Result<void, InstanceError> => err({ kind: 'unsafe-runtime-dir', path: dir, reason });
  if (stat.isSymbolicLink()) return refuse('is a symbolic link');
  if (!stat.isDirectory()) return refuse('is not a folder');
  if (stat.uid !== process.getuid?.()) return refuse(`is owned by uid ${stat.uid}, not by the current user`);
  if ((stat.mode & 0o077) !== 0) return refuse(`has mode ${(stat.mode & 0o777).toString(8)}; it must be 700`);
  return ok(undefined);
}

function ensureRuntimeDir(dir: string): Result<void, InstanceError> {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    return err({ kind: 'io', path: dir, code: codeOf(error) });
  }
  return checkRuntimeDir(dir);
}

/**
 * Takes the single-instance lock for `paths.runtime`, then makes sure no daemon answers on the
 * socket and removes a stale socket file. "Already running" is an expected outcome, not an
 * error: the caller says so and exits 0, leaving the running daemon undisturbed.
 */
export async function acquireInstance(paths: AppPaths, options: AcquireOptions = {}): Promise<Result<InstanceHandle, InstanceError>> {
  const clock = options.clock ?? systemClock;
  const endpoint = ipcEndpoint(paths);
  const pathOk = checkSocketPath(endpoint.socketPath);
  if (!pathOk.ok) return pathOk;
  const dirOk = ensureRuntimeDir(paths.runtime);
  if (!dirOk.ok) return dirOk;

  const lockFile = join(paths.runtime, LOCK_NAME);
  const locked = await takeLock(lockFile, clock);
  if (!locked.ok) return locked;
  const release = releaser(lockFile);

  const cleared = await clearSocket(endpoint.socketPath, clock);
  if (!cleared.ok) {
    release();
    return cleared;
  }
  return ok({ ...endpoint, lockFile, release });
}

/** A lock of one more single-instance process of this runtime folder (the tray). */
export interface LockHandle {
  lockFile: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/**
 * Takes `<runtime>/<name>` the way the daemon takes its own lock: 'already-running' names the
 * live holder; a dead holder's lock is broken.
 */
export async function acquireLock(runtimeDir: string, name: string, options: AcquireOptions = {}): Promise<Result<LockHandle, InstanceError>> {
  const dirOk = ensureRuntimeDir(runtimeDir);
  if (!dirOk.ok) return dirOk;
  const lockFile = join(runtimeDir, name);
  const locked = await takeLock(lockFile, options.clock ?? systemClock);
  if (!locked.ok) return locked;
  return ok({ lockFile, release: releaser(lockFile) });
}

/** The pid of the daemon that holds the lock of `paths`, or null when none is alive. */
export function runningDaemonPid(paths: AppPaths): number | null {
  const holder = parsePid(readText(join(paths.runtime, LOCK_NAME)) ?? '');
  return holder !== null && isAlive(holder) ? holder : null;
}

function lockContent(): string {
  return `${process.pid}\n`;
}

/**
 * The lock file appears with its content in one step (written to a private name, then
 * hard-linked into place, which fails with EEXIST like an O_EXCL create), so no starter ever sees
 * an empty lock and mistakes a starting daemon for a dead one.
 */
function createLock(lockFile: string): Result<'created' | 'exists', InstanceError> {
  const temp = `${lockFile}.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    writeFileSync(temp, lockContent(), { mode: 0o600, flag: 'wx' });
    linkSync(temp, lockFile);
    return ok('created');
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return ok('exists');
    return err({ kind: 'io', path: lockFile, code: codeOf(error) });
  } finally {
    removeFile(temp);
  }
}

async function takeLock(lockFile: string, clock: Clock): Promise<Result<void, InstanceError>> {
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    const created = createLock(lockFile);
    if (!created.ok) return created;
    if (created.value === 'created') return ok(undefined);
    const seen = readText(lockFile);
    if (seen === null) continue;
    const holder = parsePid(seen);
    if (holder !== null && isAlive(holder)) return err({ kind: 'already-running', pid: holder });
    const broken = breakStaleLock(lockFile, seen);
    if (!broken.ok) return broken;
    if (broken.value === 'busy') await clock.sleep(LOCK_RETRY_MS);
  }
  // Starters kept colliding on a stale lock for a whole second: another one is taking over.
  return err({ kind: 'already-running', pid: null });
}

/**
 * Removes `lockFile` if it still holds `staleContent`, the content judged dead a moment ago. Two
 * starters that both find a stale lock must not both remove it: the slower one would delete the
 * lock the faster one has just taken. Removal therefore happens only under a second, short-lived
 * lock, and only after re-reading the content. 'busy': another starter is breaking it; retry.
 */
export function breakStaleLock(lockFile: string, staleContent: string): Result<'done' | 'busy', InstanceError> {
  const breakFile = `${lockFile}.break`;
  const taken = createLock(breakFile);
  if (!taken.ok) return taken;
  if (taken.value === 'exists') {
    const breaker = parsePid(readText(breakFile) ?? '');
    // A breaker that died inside this window leaves its file behind; it is as stale as the lock.
    if (breaker === null || !isAlive(breaker)) removeFile(breakFile);
    return ok('busy');
  }
  try {
    if (readText(lockFile) === staleContent) {
      const removed = removeFile(lockFile);
      if (!removed.ok) return removed;
    }
    return ok('done');
  } finally {
    removeFile(breakFile);
  }
}

function releaser(lockFile: string): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (readText(lockFile) === lockContent()) removeFile(lockFile);
  };
}

async function clearSocket(socketPath: string, clock: Clock): Promise<Result<void, InstanceError>> {
  const dialled = await dial(socketPath, clock);
  switch (dialled) {
    case 'live':
      // A daemon that answers without holding the lock (the lock file was deleted by hand, or an
      // older build): it owns the socket, so this starter steps aside.
      return err({ kind: 'already-running', pid: null });
    case 'stale':
      return isNamedPipe(socketPath) ? ok(undefined) : removeFile(socketPath);
    case 'absent':
      return ok(undefined);
    default:
      return err({ kind: 'io', path: socketPath, code: dialled.code });
  }
}

type DialOutcome = 'live' | 'stale' | 'absent' | { code: string };

/** A connection that is accepted (or queued) means a daemon is there; the protocol is not needed. */
function dial(socketPath: string, clock: Clock): Promise<DialOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ path: socketPath });
    const finish = (outcome: DialOutcome): void => {
      timer.cancel();
      socket.destroy();
      resolve(outcome);
    };
    const timer = clock.setTimeout(() => finish('live'), DIAL_TIMEOUT_MS);
    socket.once('connect', () => finish('live'));
    socket.once('error', (error) => {
      const code = codeOf(error);
      if (code === 'ENOENT') finish('absent');
      else if (code === 'ECONNREFUSED' || code === 'ENOTSOCK') finish('stale');
      // A full accept queue: someone is listening.
      else if (code === 'EAGAIN') finish('live');
      else finish({ code });
    });
  });
}

function parsePid(text: string): number | null {
  const match = /^(\d{1,10})\n?$/.exec(text);
  if (!match?.[1]) return null;
  const pid = Number(match[1]);
  return pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return codeOf(error) === 'EPERM';
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function removeFile(file: string): Result<void, InstanceError> {
  try {
    unlinkSync(file);
    return ok(undefined);
  } catch (error) {
    const code = codeOf(error);
    return code === 'ENOENT' ? ok(undefined) : err({ kind: 'io', path: file, code });
  }
}

function codeOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return 'UNKNOWN';
}

export function describeInstanceError(error: InstanceError): string {
  switch (error.kind) {
    case 'already-running':
      return error.pid === null ? 'callvault is already running' : `callvault is already running (pid ${error.pid})`;
    case 'socket-path-too-long':
      return `the IPC socket path ${error.path} is ${error.bytes} bytes; sockets allow at most ${error.max} (set CALLVAULT_HOME or XDG_RUNTIME_DIR to a shorter folder)`;
    case 'unsafe-runtime-dir':
      return `refusing the runtime folder ${error.path}: it ${error.reason}`;
    case 'io':
      return `cannot use ${error.path}: ${error.code}`;
  }
}
