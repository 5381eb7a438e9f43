import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { err, ok } from '../../src/core/result.js';
import { connectIpc, describeClientError, type ConnectionState, type IpcClient } from '../../src/ipc/client.js';
import type { IpcServer } from '../../src/ipc/server.js';
import { ACCOUNT, staleSocket, startTestServer, tempRuntime, type TempRuntime } from './helpers.js';

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A stand-in daemon that answers every line with `reply(request)` (or never, when it returns null). */
function fakeDaemon(socketPath: string, reply: (request: { id: number }) => unknown): Promise<Server> {
  const server = createServer((socket: Socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (line: string) => {
      const answer = reply(JSON.parse(line) as { id: number });
      if (answer !== null) socket.write(`${JSON.stringify(answer)}\n`);
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve(server)));
}

describe('IPC client', () => {
  let runtime: TempRuntime;
  const cleanups: Array<() => unknown> = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    runtime.cleanup();
  });

  it('reports "not running" for a missing socket and for one nobody listens on', async () => {
    runtime = tempRuntime();
    const missing = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile });
    expect(missing).toEqual(err({ kind: 'not-running', socketPath: runtime.socketPath }));
    expect(describeClientError(missing.ok ? (null as never) : missing.error)).toContain('callvault daemon');

    await staleSocket(runtime.socketPath);
    writeFileSync(runtime.tokenFile, 'old-token\n');
    const stale = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile });
    expect(stale).toEqual(err({ kind: 'not-running', socketPath: runtime.socketPath }));
  });

  it('refuses a daemon of another protocol major', async () => {
    runtime = tempRuntime();
    const server = await fakeDaemon(runtime.socketPath, ({ id }) => ({ jsonrpc: '2.0', id, result: { protocol: 3, daemonVersion: '9', serverTime: 0 } }));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    writeFileSync(runtime.tokenFile, 'token\n');
    const connected = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile });
    expect(connected).toEqual(err({ kind: 'protocol-mismatch', expected: 2, actual: 3 }));
  });

  it('gives up on a daemon that does not answer hello', async () => {
    runtime = tempRuntime();
    const server = await fakeDaemon(runtime.socketPath, () => null);
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    writeFileSync(runtime.tokenFile, 'token\n');
    const connected = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile, timeoutMs: 100 });
    expect(connected).toEqual(err({ kind: 'timeout', ms: 100 }));
  });

  it('reconnects to a restarted daemon with its new token, re-subscribes, and reports each state', async () => {
    runtime = tempRuntime();
    let server: IpcServer = await startTestServer(runtime, { version: 'first' });
    cleanups.push(() => server.close());
    const connected = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile, reconnect: true });
    if (!connected.ok) throw new Error('no client');
    const client: IpcClient = connected.value;
    cleanups.push(() => client.close());
    const states: ConnectionState[] = [];
    client.onStateChange((state) => states.push(state));
    const events: unknown[] = [];
    expect((await client.on('data.wiped', (data) => events.push(data))).ok).toBe(true);

    await server.close();
    await until(() => client.state === 'reconnecting');
    expect(await client.call('status')).toEqual(err({ code: 'UNAVAILABLE', message: 'not connected to the daemon' }));

    server = await startTestServer(runtime, { version: 'second' });
    await until(() => client.state === 'connected');
    expect(client.daemon.daemonVersion).toBe('second');
    server.publish('data.wiped', { accountKey: ACCOUNT, receiptId: 'r-9', reason: 'user-purge' });
    await until(() => events.length === 1);
    expect(events).toEqual([{ accountKey: ACCOUNT, receiptId: 'r-9', reason: 'user-purge' }]);
    expect(await client.call('sync.pause', { paused: false })).toEqual(ok({ paused: false }));

    await client.close();
    expect(states).toEqual(['reconnecting', 'connected', 'closed']);
  });

  it('without reconnect, ends closed when the daemon goes away', async () => {
    runtime = tempRuntime();
    const server = await startTestServer(runtime);
    cleanups.push(() => server.close());
    const connected = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile });
    if (!connected.ok) throw new Error('no client');
    await server.close();
    await until(() => connected.value.state === 'closed');
    expect(await connected.value.call('status')).toEqual(err({ code: 'UNAVAILABLE', message: 'not connected to the daemon' }));
  });
});
