import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { ok } from '../../src/core/result.js';
import { connectIpc, type IpcClient } from '../../src/ipc/client.js';
import { DEFAULT_IPC_LIMITS } from '../../src/ipc/limits.js';
import type { IpcServer } from '../../src/ipc/server.js';
import { ACCOUNT, RawClient, rpc, startTestServer, tempRuntime, type TempRuntime } from './helpers.js';

// Issue 16 §3, reproduced: a process reopening 80 silent connections every few seconds kept a real
// client out 23 times in 23 (they counted towards the 64-connection limit), 63 authenticated
// connections holding half a frame stayed forever, and each refusal logged a line. The server's
// clock is a FakeClock: no hello deadline passes unless the test moves it, so the attacker's
// connections are never timed out, the worst case for the pools.

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** The attacker process, driven a burst at a time. */
class Attacker {
  private readonly lines: AsyncIterator<string>;

  constructor(readonly child: ChildProcess) {
    if (!child.stdout) throw new Error('no stdout');
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static start(socketPath: string): Attacker {
    return new Attacker(spawn(process.execPath, [join(import.meta.dirname, 'lockoutAttacker.mjs'), socketPath], { stdio: ['pipe', 'pipe', 'inherit'] }));
  }

  /** Closes the last burst and opens `count` silent connections; resolves once all have connected. */
  async burst(count: number): Promise<number> {
    this.child.stdin?.write(`burst ${count}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error('the attacker ended');
    return Number(line.value.split(' ')[1]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin?.end('quit\n');
    await exited;
  }
}

function capturedLog(): { log: pino.Logger; lines: () => Array<{ msg: string; reason?: string; refused?: Record<string, number> }> } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { log: pino(sink), lines: () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string }) };
}

describe('no lock-out (issue 16 §3)', () => {
  let runtime: TempRuntime;
  const cleanups: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    runtime.cleanup();
  });

  async function viewer(): Promise<IpcClient> {
    const connected = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile, timeoutMs: 10_000 });
    if (!connected.ok) throw new Error(`a real client was kept out: ${JSON.stringify(connected.error)}`);
    cleanups.push(() => connected.value.close());
    return connected.value;
  }

  it('serves a real client through 23 bursts of 80 silent connections, and logs the refusals at a bounded rate', async () => {
    runtime = tempRuntime();
    const clock = new FakeClock();
    const { log, lines } = capturedLog();
    const server = await startTestServer(runtime, { clock, log });
    cleanups.push(() => server.close());
    const attacker = Attacker.start(runtime.socketPath);
    cleanups.push(() => attacker.stop());

    const longLived = await viewer();
    for (let round = 0; round < 23; round++) {
      expect(await attacker.burst(80)).toBe(80);
      await until(() => server.pools.unauthenticated === DEFAULT_IPC_LIMITS.maxUnauthenticated);
      // A viewer connecting now (the CLI) is served, and so is the one connected all along.
      const fresh = await viewer();
      expect((await fresh.call('status')).ok).toBe(true);
      await fresh.close();
      expect((await longLived.call('meetings.list', { limit: 1 })).ok).toBe(true);
      expect(server.pools.authenticated).toBe(1);
    }

    // 23 × 80 connections came and went (each burst pushed out the last); a few lines said so.
    const refusals = lines().filter((line) => line.msg.startsWith('IPC connection'));
    expect(refusals.length).toBeLessThanOrEqual(2);
    await clock.advance(10_000);
    const summary = lines().filter((line) => line.msg === 'IPC connections refused in the last period');
    expect(summary).toHaveLength(1);
    expect(summary[0]?.refused?.maxUnauthenticated).toBeGreaterThan(23 * (80 - DEFAULT_IPC_LIMITS.maxUnauthenticated));
  });

  it('closes authenticated connections left holding half a frame, and never an idle whole one', async () => {
    runtime = tempRuntime();
    const clock = new FakeClock();
    const server = await startTestServer(runtime, { clock });
    cleanups.push(() => server.close());
    const idle = await viewer();
    const halves: RawClient[] = [];
    for (let i = 0; i < 63; i++) {
      const raw = await RawClient.authenticated(runtime);
      cleanups.push(() => raw.close());
      raw.write('{"jsonrpc":"2.0","id":1,"method":"sta');
      halves.push(raw);
    }
    await until(() => server.pools.authenticated === 64);
    // Full: a 65th is told so, naming the limit, rather than left waiting.
    const refused = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile, timeoutMs: 2_000 });
    expect(!refused.ok && refused.error).toEqual({ kind: 'busy', message: 'more than 64 connections' });

    await clock.advance(DEFAULT_IPC_LIMITS.partialFrameTimeoutMs - 1);
    expect(halves.every((raw) => !raw.isClosed)).toBe(true);
    await clock.advance(1);
    await Promise.all(halves.map((raw) => raw.closed));
    for (const raw of halves) {
      expect(raw.messages).toEqual([
        {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32600, message: `a frame was left unfinished for ${DEFAULT_IPC_LIMITS.partialFrameTimeoutMs} ms`, data: { code: 'BAD_REQUEST', limit: { name: 'partialFrameTimeoutMs', value: DEFAULT_IPC_LIMITS.partialFrameTimeoutMs } } },
        },
      ]);
    }
    expect((await (await viewer()).call('status')).ok).toBe(true);
    await clock.advance(60 * 60 * 1000);
    expect((await idle.call('status')).ok).toBe(true);
  });

  it('tells a client that does not read its events which limit it passed, then drops it', async () => {
    runtime = tempRuntime();
    const maxPendingWriteBytes = 64 * 1024;
    const server: IpcServer = await startTestServer(runtime, { limits: { maxPendingWriteBytes } });
    cleanups.push(() => server.close());
    const reader = await viewer();
    const slow = await RawClient.authenticated(runtime);
    cleanups.push(() => slow.close());
    slow.send(rpc(1, 'subscribe', { topics: ['data.changed'] }));
    await slow.waitFor(1);
    slow.socket.pause();
    const seen: unknown[] = [];
    expect((await reader.on('data.changed', (e) => seen.push(e))).ok).toBe(true);

    let published = 0;
    while (server.pools.authenticated === 2) {
      server.publish('data.changed', { accountKey: ACCOUNT, resource: 'meetings', count: published++ });
      if (published % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    slow.socket.resume();
    await slow.closed;
    const last = slow.messages.at(-1);
    expect(last).toMatchObject({ id: null, error: { code: -32005, data: { code: 'BUSY', limit: { name: 'maxPendingWriteBytes', value: maxPendingWriteBytes } } } });
    // Everything before the error frame arrived whole and in order.
    expect(slow.messages.slice(1, -1).map((m) => (m.params as { count: number }).count)).toEqual(Array.from({ length: slow.messages.length - 2 }, (_, i) => i));
    // The reader that keeps up is served all along.
    await until(() => seen.length === published);
    expect(await reader.call('sync.pause', { paused: false })).toEqual(ok({ paused: false }));
  });
});
