import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { err, ok } from '../../src/core/result.js';
import { connectIpc } from '../../src/ipc/client.js';
import { acquireInstance, breakStaleLock, describeInstanceError, ipcEndpoint, type InstanceHandle } from '../../src/platform/instance.js';
import type { AppPaths } from '../../src/platform/paths.js';
import { staleSocket, startTestServer, tempRuntime, type TempRuntime } from './helpers.js';

describe('single instance', () => {
  let runtime: TempRuntime;
  const cleanups: Array<() => unknown> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    runtime.cleanup();
  });

  async function acquire(paths: AppPaths = runtime.paths): Promise<InstanceHandle> {
    const acquired = await acquireInstance(paths);
    if (!acquired.ok) throw new Error(describeInstanceError(acquired.error));
    cleanups.push(() => acquired.value.release());
    return acquired.value;
  }

  it('creates the runtime folder 0700, writes its pid to the lock, and releases only its own lock', async () => {
    runtime = tempRuntime();
    rmSync(runtime.paths.runtime, { recursive: true });
    const handle = await acquire();
    expect(statSync(runtime.paths.runtime).mode & 0o777).toBe(0o700);
    expect(readFileSync(handle.lockFile, 'utf8')).toBe(`${process.pid}\n`);
    expect(handle.socketPath).toBe(join(runtime.paths.runtime, 'ipc.sock'));
    handle.release();
    handle.release();
    expect(existsSync(handle.lockFile)).toBe(false);

    const again = await acquire();
    writeFileSync(again.lockFile, '1\n');
    again.release();
    expect(readFileSync(again.lockFile, 'utf8')).toBe('1\n');
  });

  it('reports a second start as already running, and the first daemon keeps serving its clients', async () => {
    runtime = tempRuntime();
    await acquire();
    const server = await startTestServer(runtime);
    cleanups.push(() => server.close());
    const connected = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile });
    if (!connected.ok) throw new Error('no client');
    cleanups.push(() => connected.value.close());

    expect(await acquireInstance(runtime.paths)).toEqual(err({ kind: 'already-running', pid: process.pid }));
    // A daemon whose lock file vanished still owns its socket: the dial finds it alive.
    unlinkSync(join(runtime.paths.runtime, 'daemon.lock'));
    expect(await acquireInstance(runtime.paths)).toEqual(err({ kind: 'already-running', pid: null }));
    expect(existsSync(join(runtime.paths.runtime, 'daemon.lock'))).toBe(false);

    expect((await connected.value.call('status')).ok).toBe(true);
    expect(statSync(runtime.socketPath).isSocket()).toBe(true);
  });

  it('replaces a dead daemon’s lock and removes its stale socket', async () => {
    runtime = tempRuntime();
    const deadPid = await staleSocket(runtime.socketPath);
    writeFileSync(join(runtime.paths.runtime, 'daemon.lock'), `${deadPid}\n`);
    expect(statSync(runtime.socketPath).isSocket()).toBe(true);

    const handle = await acquire();
    expect(readFileSync(handle.lockFile, 'utf8')).toBe(`${process.pid}\n`);
    expect(existsSync(runtime.socketPath)).toBe(false);
    const server = await startTestServer(runtime);
    cleanups.push(() => server.close());
    const connected = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile });
    expect(connected.ok).toBe(true);
    if (connected.ok) await connected.value.close();
  });

  it('treats a lock without a pid as stale', async () => {
    runtime = tempRuntime();
    writeFileSync(join(runtime.paths.runtime, 'daemon.lock'), 'garbage');
    const handle = await acquire();
    expect(readFileSync(handle.lockFile, 'utf8')).toBe(`${process.pid}\n`);
  });

  it('breaks a stale lock only while it is still the stale one', async () => {
    runtime = tempRuntime();
    const lockFile = join(runtime.paths.runtime, 'daemon.lock');
    const breakFile = join(runtime.paths.runtime, 'daemon.lock.break');
    const deadPid = await staleSocket(runtime.socketPath);
    writeFileSync(lockFile, `${deadPid}\n`);
    // A slower starter judged the lock dead, but a faster one has replaced it since.
    await acquire();
    expect(breakStaleLock(lockFile, `${deadPid}\n`)).toEqual(ok('done'));
    expect(readFileSync(lockFile, 'utf8')).toBe(`${process.pid}\n`);

    // Another starter is breaking it right now: wait; its break file is left alone.
    writeFileSync(breakFile, `${process.pid}\n`);
    expect(breakStaleLock(lockFile, `${process.pid}\n`)).toEqual(ok('busy'));
    expect(existsSync(lockFile)).toBe(true);
    // A breaker that died mid-way leaves a stale break file, which is cleared for the retry.
    writeFileSync(breakFile, `${deadPid}\n`);
    expect(breakStaleLock(lockFile, `${process.pid}\n`)).toEqual(ok('busy'));
    expect(existsSync(breakFile)).toBe(false);
    expect(breakStaleLock(lockFile, `${process.pid}\n`)).toEqual(ok('done'));
    expect(existsSync(lockFile)).toBe(false);
  });

  it('refuses a runtime folder that is open to others, is a symlink, or belongs to someone else', async () => {
    runtime = tempRuntime();
    chmodSync(runtime.paths.runtime, 0o770);
    expect(await acquireInstance(runtime.paths)).toEqual(
      err({ kind: 'unsafe-runtime-dir', path: runtime.paths.runtime, reason: 'has mode 770; it must be 700' }),
    );

    const target = join(runtime.root, 'elsewhere');
    mkdirSync(target, { mode: 0o700 });
    const linked = { ...runtime.paths, runtime: join(runtime.root, 'linked') };
    symlinkSync(target, linked.runtime);
    expect(await acquireInstance(linked)).toEqual(err({ kind: 'unsafe-runtime-dir', path: linked.runtime, reason: 'is a symbolic link' }));

    if (process.getuid?.() === 0) {
      chmodSync(runtime.paths.runtime, 0o700);
      chownSync(runtime.paths.runtime, 65534, 65534);
      const refused = await acquireInstance(runtime.paths);
      expect(!refused.ok && refused.error).toMatchObject({ kind: 'unsafe-runtime-dir', reason: 'is owned by uid 65534, not by the current user' });
    }
    expect(existsSync(join(runtime.paths.runtime, 'daemon.lock'))).toBe(false);
  });

  it('names a socket path too long for sun_path instead of failing later', async () => {
    runtime = tempRuntime();
    const deep = { ...runtime.paths, runtime: join(runtime.root, 'r'.repeat(100)) };
    const refused = await acquireInstance(deep);
    const path = join(deep.runtime, 'ipc.sock');
    expect(refused).toEqual(err({ kind: 'socket-path-too-long', path, bytes: Buffer.byteLength(path), max: 103 }));
    expect(describeInstanceError(refused.ok ? (null as never) : refused.error)).toContain(path);
    expect(existsSync(deep.runtime)).toBe(false);
  });

  it('derives a named pipe per runtime folder on Windows', () => {
    runtime = tempRuntime();
    const one = ipcEndpoint({ ...runtime.paths, runtime: 'C:\\Users\\ann\\AppData\\Local\\callvault\\run' }, 'win32');
    const two = ipcEndpoint({ ...runtime.paths, runtime: 'C:\\Users\\bob\\AppData\\Local\\callvault\\run' }, 'win32');
    expect(one.socketPath).toMatch(/^\\\\\.\\pipe\\callvault-[0-9a-f]{16}$/);
    expect(two.socketPath).not.toBe(one.socketPath);
  });

  describe('starters racing (child processes running dist/)', () => {
    type Child = ChildProcessByStdio<Writable, Readable, null>;
    const instanceModule = join(import.meta.dirname, '../../dist/platform/instance.js');
    const script = `
      const { acquireInstance } = await import(${JSON.stringify(pathToFileURL(instanceModule).href)});
      const lines = (await import('node:readline')).createInterface({ input: process.stdin });
      const paths = JSON.parse(process.argv[1]);
      let handle = null;
      console.log('ready');
      for await (const line of lines) {
        if (line !== 'go') continue;
        const outcome = await acquireInstance(paths);
        if (outcome.ok) handle = outcome.value;
        console.log(outcome.ok ? 'won' : outcome.error.kind);
      }
      handle?.release();
    `;

    /** Each child's stdout as a sequence of lines, read one at a time. */
    function lineReader(child: Child): () => Promise<string> {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      return async () => {
        const next = await lines.next();
        if (next.done) throw new Error(`child ${child.pid} ended its output early`);
        return next.value;
      };
    }

    async function race(starters: number): Promise<string[]> {
      const children: Child[] = Array.from({ length: starters }, () =>
        spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(runtime.paths)], { stdio: ['pipe', 'pipe', 'inherit'] }),
      );
      cleanups.push(() => {
        for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      const readers = children.map(lineReader);
      expect(await Promise.all(readers.map((next) => next()))).toEqual(Array<string>(starters).fill('ready'));
      for (const child of children) child.stdin.write('go\n');
      const results = await Promise.all(readers.map((next) => next()));
      await Promise.all(
        children.map((child) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.stdin.end();
          return exited;
        }),
      );
      return results.sort();
    }

    it('lets exactly one of six simultaneous starters win, with or without a stale lock', async () => {
      expect(existsSync(instanceModule)).toBe(true);
      runtime = tempRuntime();
      const lost = Array<string>(5).fill('already-running');
      expect(await race(6)).toEqual([...lost, 'won']);
      expect(existsSync(join(runtime.paths.runtime, 'daemon.lock'))).toBe(false);

      const deadPid = await staleSocket(runtime.socketPath);
      writeFileSync(join(runtime.paths.runtime, 'daemon.lock'), `${deadPid}\n`);
      expect(await race(6)).toEqual([...lost, 'won']);
      expect(existsSync(runtime.socketPath)).toBe(false);
    });
  });
});
