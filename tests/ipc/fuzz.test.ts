import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectIpc } from '../../src/ipc/client.js';
import type { IpcServer } from '../../src/ipc/server.js';
import { startTestServer, tempRuntime, type TempRuntime } from './helpers.js';

// 10,000 malformed frames from raw sockets in another process (fuzzAttacker.mjs): not JSON,
// invalid UTF-8, wrong types, prototype names as methods, bad params, deep nesting, 5 MiB frames,
// partial frames then close, hellos too slow. The server must answer every well-formed bad
// request with its code, stay up, and not grow: nothing is buffered past the frame limit,
// nothing is parsed that no request could look like, and every closed connection is forgotten.

const MiB = 1024 * 1024;

interface AttackReport {
  frames: number;
  failures: string[];
}

const attackers: ChildProcess[] = [];

/** Runs one attack; the seed makes it replayable. */
function attack(runtime: TempRuntime, seed: number): Promise<AttackReport> {
  const attacker = join(import.meta.dirname, 'fuzzAttacker.mjs');
  const child = spawn(process.execPath, [attacker, runtime.socketPath, runtime.tokenFile, String(seed)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  attackers.push(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as AttackReport) : reject(new Error(`the attacker exited with ${code}`))));
  });
}

describe('IPC fuzz: 10,000 malformed frames', () => {
  let runtime: TempRuntime;
  let server: IpcServer;

  beforeAll(async () => {
    runtime = tempRuntime();
    // A short hello deadline, so the slow clients are dropped within the test.
    server = await startTestServer(runtime, { limits: { helloTimeoutMs: 500 } });
  });

  afterAll(async () => {
    for (const child of attackers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server.close();
    runtime.cleanup();
  });

  it('answers or drops every one, stays up, and does not grow', async () => {
    // Under a burst of allocation V8 grows its young generation and malloc keeps its arenas: a
    // one-time step of ~50 MB that stays whatever the server does. A first full round lets the
    // process reach that working size; the second round's growth is what the fuzz leaves behind
    // (measured over repeated rounds, it stays flat).
    expect((await attack(runtime, 20260114)).failures).toEqual([]);
    const rssBefore = process.memoryUsage().rss;

    const report = await attack(runtime, 20260115);
    expect(report.failures).toEqual([]);
    expect(report.frames).toBeGreaterThanOrEqual(10_000);

    while (server.connectionCount > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect((process.memoryUsage().rss - rssBefore) / MiB).toBeLessThan(50);

    const after = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile });
    if (!after.ok) throw new Error('the server stopped answering');
    expect((await after.value.call('meetings.list', { limit: 1 })).ok).toBe(true);
    await after.value.close();
  });
});
