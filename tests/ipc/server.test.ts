import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { apiError, type ErrorCode } from '../../src/core/errors.js';
import { err, ok } from '../../src/core/result.js';
import { connectIpc, type IpcClient } from '../../src/ipc/client.js';
import type { IpcServer } from '../../src/ipc/server.js';
import { startIpcServer } from '../../src/ipc/server.js';
import type { CallContext } from '../../src/ipc/router.js';
import { silentLogger } from '../../src/platform/logger.js';
import { ACCOUNT, fakeHandlers, RawClient, readToken, rpc, rpcError, startTestServer, tempRuntime, type TempRuntime } from './helpers.js';

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('IPC server and typed client', () => {
  let runtime: TempRuntime;
  const cleanups: Array<() => Promise<void> | void> = [];

  function track<T extends { close(): Promise<void> | void }>(thing: T): T {
    cleanups.push(() => thing.close());
    return thing;
  }

  async function client(options: { reconnect?: boolean } = {}): Promise<IpcClient> {
    const connected = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile, ...options });
    if (!connected.ok) throw new Error(`client did not connect: ${JSON.stringify(connected.error)}`);
    return track(connected.value);
  }

  async function raw(): Promise<RawClient> {
    return track(await RawClient.authenticated(runtime));
  }

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    runtime.cleanup();
  });

  describe('with the default server', () => {
    let server: IpcServer;
    const start = async (options: Parameters<typeof startTestServer>[1] = {}): Promise<void> => {
      runtime = tempRuntime();
      server = track(await startTestServer(runtime, options));
    };

    it('round-trips typed calls; defaults are filled in before the handler sees the params', async () => {
      const seen: number[] = [];
      await start({
        handlers: fakeHandlers({
          'meetings.list': async (params) => {
            seen.push(params.limit);
            return ok({ items: [], nextCursor: null, omitted: [] });
          },
        }),
      });
      const viewer = await client();
      expect(viewer.daemon).toMatchObject({ protocol: 2, daemonVersion: '0.1.0-test' });

      const status = await viewer.call('status');
      expect(status.ok && status.value.pid).toBe(process.pid);
      expect(await viewer.call('meetings.list')).toEqual(ok({ items: [], nextCursor: null, omitted: [] }));
      await viewer.call('meetings.list', { limit: 7, account: ACCOUNT });
      expect(seen).toEqual([50, 7]);
      expect(await viewer.call('sync.pause', { paused: true })).toEqual(ok({ paused: true }));
      expect(await viewer.call('purge', { all: true, confirm: true })).toEqual(ok({ receiptIds: ['r-2'] }));
    });

    it('pushes events to subscribed connections only, and stops after unsubscribe', async () => {
      await start();
      const a = await client();
      const b = await client();
      const silent = await raw();
      const aEvents: unknown[] = [];
      const bEvents: unknown[] = [];
      const offA = await a.on('sync.done', (data) => aEvents.push(data));
      expect(offA.ok).toBe(true);
      expect((await b.on('data.changed', (data) => bEvents.push(data))).ok).toBe(true);

      const done = { accountKey: ACCOUNT, finishedAt: 1, added: { meetings: 2, recordings: 0, calls: 1 }, error: null };
      server.publish('sync.done', done);
      server.publish('data.changed', { accountKey: ACCOUNT, resource: 'meetings', count: 2 });
      await until(() => aEvents.length === 1 && bEvents.length === 1);
      expect(aEvents).toEqual([done]);
      expect(bEvents).toEqual([{ accountKey: ACCOUNT, resource: 'meetings', count: 2 }]);

      // Frames on one socket arrive in order: once the answer is in, any event would have been too.
      silent.send(rpc(9, 'status', {}));
      await silent.waitFor(1);
      expect(silent.messages.map((m) => m.id)).toEqual([9]);

      if (offA.ok) await offA.value();
      server.publish('sync.done', done);
      expect((await a.call('accounts.list')).ok).toBe(true);
      expect(aEvents).toHaveLength(1);
    });

    it('refuses a connection without the token, or with a wrong one, and serves nothing', async () => {
      let calls = 0;
      await start({
        handlers: fakeHandlers({
          status: async () => {
            calls++;
            return err(apiError('INTERNAL', 'must not be reached'));
          },
        }),
      });
      const token = readToken(runtime);
      const attempts: unknown[] = [
        rpc(1, 'status', {}),
        rpc(2, 'hello', { token: 'x'.repeat(43), protocol: 2 }),
        rpc(3, 'hello', { token: `${token}x`, protocol: 2 }),
        rpc(4, 'hello', { protocol: 2 }),
        rpc(5, 'hello', { token, protocol: 1 }),
        { id: 6, method: 'hello', params: { token, protocol: 2 } },
        [rpc(7, 'hello', { token, protocol: 2 })],
        'not even json',
      ];
      for (const attempt of attempts) {
        const socket = track(await RawClient.open(runtime.socketPath));
        socket.write(typeof attempt === 'string' ? `${attempt}\n` : `${JSON.stringify(attempt)}\n`);
        socket.send(rpc(99, 'status', {}));
        await socket.closed;
        expect(socket.messages).toHaveLength(1);
        expect(socket.messages[0]?.error).toMatchObject({ code: -32001, data: { code: 'UNAUTHORIZED' } });
      }
      expect(calls).toBe(0);

      writeFileSync(`${runtime.tokenFile}.wrong`, 'not-the-token\n');
      const refused = await connectIpc({ socketPath: runtime.socketPath, tokenFile: `${runtime.tokenFile}.wrong` });
      expect(!refused.ok && refused.error).toMatchObject({ kind: 'unauthorized', message: 'wrong token' });
    });

    it('answers unknown methods, prototype names and bad params with BAD_REQUEST, and stays up', async () => {
      await start();
      const socket = await raw();
      const names = ['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', ''];
      for (const [i, name] of names.entries()) socket.send(rpc(i, name, {}));
      const unknown = await socket.waitFor(names.length);
      for (const [i, name] of names.entries()) {
        expect(unknown[i]).toEqual(rpcError(i, 'BAD_REQUEST', -32601, `unknown method ${JSON.stringify(name)}`));
      }
      socket.messages.length = 0;

      const secret = 'SECRET-TOPIC-Board-meeting-with-Alice';
      const bad: Array<[unknown, RegExp]> = [
        [{ method: 'meetings.list', params: { limit: 0 } }, /^meetings\.list: limit: Too small/],
        [{ method: 'meetings.list', params: { limit: 501 } }, /limit: Too big/],
        [{ method: 'meetings.list', params: { limit: 'ten' } }, /limit: Invalid input: expected number/],
        [{ method: 'meetings.list', params: { account: secret } }, /account: not an account key/],
        [{ method: 'meetings.list', params: { bogus: 1 } }, /params: Unrecognized key/],
        [{ method: 'meetings.list', params: 5 }, /params: Invalid input: expected object/],
        [{ method: 'search', params: { q: '' } }, /q: Too small/],
        [{ method: 'search', params: { q: secret.repeat(10) } }, /q: Too big/],
        [{ method: 'purge', params: { account: ACCOUNT, all: true, confirm: true } }, /exactly one of account or all/],
        [{ method: 'purge', params: { all: true } }, /confirm: Invalid input/],
        [{ method: 'subscribe', params: { topics: ['nope'] } }, /topics\.0: Invalid option/],
        [{ method: 'meetings.get', params: {} }, /uuid: Invalid input/],
      ];
      for (const [i, [request]] of bad.entries()) socket.send({ jsonrpc: '2.0', id: `bad-${i}`, ...(request as object) });
      const answers = await socket.waitFor(bad.length);
      for (const [i, [, pattern]] of bad.entries()) {
        expect(answers[i]?.id).toBe(`bad-${i}`);
        expect(answers[i]?.error).toMatchObject({ code: -32602, data: { code: 'BAD_REQUEST' } });
        expect(answers[i]?.error?.message).toMatch(pattern);
        expect(answers[i]?.error?.message).not.toContain('SECRET');
      }
      socket.messages.length = 0;

      socket.write('{"jsonrpc":"2.0","id": 1, "method": \n');
      socket.write(Buffer.from([0xff, 0xfe, 0x0a]));
      socket.send({ jsonrpc: '2.0', id: 2, params: {} });
      socket.send({ jsonrpc: '2.0', id: { nested: true }, method: 'status' });
      socket.send({ jsonrpc: '1.0', id: 3, method: 'status' });
      socket.send({ id: 4, method: 'status' });
      socket.write(`{"jsonrpc":"2.0","id":5,"method":"status","params":{"a":${'['.repeat(20)}${']'.repeat(20)}}}\n`);
      socket.send([]);
      expect((await socket.waitFor(8)).map((m) => [m.id, m.error?.code, m.error?.data?.code, m.error?.message])).toEqual([
        [null, -32700, 'BAD_REQUEST', 'frame is not UTF-8 JSON'],
        [null, -32700, 'BAD_REQUEST', 'frame is not UTF-8 JSON'],
        [2, -32600, 'BAD_REQUEST', 'method must be a string'],
        [null, -32600, 'BAD_REQUEST', 'id must be a string of 1 to 64 characters, an integer, or null'],
        [3, -32600, 'BAD_REQUEST', 'jsonrpc must be "2.0"'],
        [4, -32600, 'BAD_REQUEST', 'jsonrpc must be "2.0"'],
        [null, -32600, 'BAD_REQUEST', 'request nests deeper than 16 levels'],
        [null, -32600, 'BAD_REQUEST', 'an empty batch'],
      ]);
      expect(socket.messages[6]?.error?.data?.limit).toEqual({ name: 'maxDepth', value: 16 });
      socket.messages.length = 0;

      socket.send(rpc('still-up', 'status'));
      expect((await socket.waitFor(1))[0]).toMatchObject({ jsonrpc: '2.0', id: 'still-up', result: { daemonVersion: '0.1.0-test' } });
    });

    it('answers a batch with one array in request order, carries out notifications without answering them, and refuses a batch past the limit', async () => {
      let paused: boolean | null = null;
      await start({ handlers: fakeHandlers({ 'sync.pause': async (params) => ((paused = params.paused), ok({ paused: params.paused })) }) });
      const socket = await raw();
      socket.send([rpc(1, 'status'), rpc('two', 'nope'), { jsonrpc: '2.0', method: 'sync.pause', params: { paused: true } }, rpc(3, 'meetings.list', { limit: 0 })]);
      const [batch] = (await socket.waitFor(1)) as unknown as Array<Array<{ id: unknown; result?: unknown; error?: { code: number } }>>;
      expect(batch?.map((m) => [m.id, m.error?.code ?? 'ok'])).toEqual([
        [1, 'ok'],
        ['two', -32601],
        [3, -32602],
      ]);
      expect(paused).toBe(true);
      socket.messages.length = 0;

      // Notifications only: carried out, and nothing at all comes back.
      socket.send([{ jsonrpc: '2.0', method: 'sync.pause', params: { paused: false } }]);
      socket.send({ jsonrpc: '2.0', method: 'status' });
      socket.send(Array.from({ length: 33 }, (_, i) => rpc(i, 'status')));
      const [tooLong] = await socket.waitFor(1);
      expect(tooLong).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'a batch of more than 32 requests', data: { code: 'BAD_REQUEST', limit: { name: 'maxBatch', value: 32 } } } });
      expect(paused).toBe(false);
    });

    it('turns a throwing handler into INTERNAL, logs its stack but never its params, whether it answers at once or later', async () => {
      let logged = '';
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged += chunk.toString('utf8');
          done();
        },
      });
      runtime = tempRuntime();
      server = track(
        await startTestServer(runtime, {
          log: pino(sink),
          handlers: fakeHandlers({
            search: async () => {
              throw new Error('boom in search');
            },
            'sync.now': async () => err({ code: 'TEAPOT' as ErrorCode, message: 'odd' }),
            'meetings.get': async () => err(apiError('NOT_FOUND', 'no such meeting')),
            'calls.list': async () => ok({ items: [{ id: 1 }], nextCursor: null } as never),
            // The same mistakes in handlers that answer at once.
            'recordings.list': () => {
              throw new Error('boom in recordings');
            },
            'accounts.list': () => err({ code: 'TEAPOT' as ErrorCode, message: 'odd' }),
            'meetings.list': () => ok({ items: [{ uuid: 1 }], nextCursor: null } as never),
          }),
        }),
      );
      const viewer = await client();
      expect(await viewer.call('recordings.list')).toEqual(err({ code: 'INTERNAL', message: 'internal error' }));
      expect(await viewer.call('accounts.list')).toEqual(err({ code: 'INTERNAL', message: 'internal error' }));
      expect(await viewer.call('meetings.list')).toEqual(err({ code: 'INTERNAL', message: 'internal error' }));
      expect(logged).toContain('boom in recordings');
      expect(await viewer.call('search', { q: 'SECRET-QUERY-budget' })).toEqual(err({ code: 'INTERNAL', message: 'internal error' }));
      expect(await viewer.call('sync.now')).toEqual(err({ code: 'INTERNAL', message: 'internal error' }));
      expect(await viewer.call('meetings.get', { uuid: 'u' })).toEqual(err({ code: 'NOT_FOUND', message: 'no such meeting' }));
      expect(await viewer.call('calls.list')).toEqual(err({ code: 'INTERNAL', message: 'internal error' }));
      expect((await viewer.call('status')).ok).toBe(true);
      expect(logged).toContain('boom in search');
      expect(logged).toContain('at ');
      expect(logged).not.toContain('SECRET-QUERY');
    });

    it('answers BUSY past 32 requests in flight on one connection', async () => {
      const gate = deferred();
      let entered = 0;
      await start({
        handlers: fakeHandlers({
          'sync.now': async () => {
            entered++;
            await gate.promise;
            return ok({ started: [] });
          },
        }),
      });
      const viewer = await client();
      const calls = Array.from({ length: 33 }, () => viewer.call('sync.now'));
      expect(await calls[32]).toEqual(err({ code: 'BUSY', message: 'more than 32 requests in flight on this connection', limit: { name: 'maxInFlight', value: 32 } }));
      expect(entered).toBe(32);
      // Another connection has its own allowance.
      expect((await (await client()).call('status')).ok).toBe(true);
      gate.resolve();
      const settled = await Promise.all(calls.slice(0, 32));
      expect(settled.every((outcome) => outcome.ok)).toBe(true);
      expect((await viewer.call('sync.now')).ok).toBe(true);
    });

    it('tells a client whose hello would pass the connection limit BUSY and closes it', async () => {
      await start({ limits: { maxConnections: 3 } });
      const held = [await raw(), await raw(), await raw()];
      const extra = track(await RawClient.open(runtime.socketPath));
      extra.send(rpc('hello', 'hello', { token: readToken(runtime), protocol: 2 }));
      await extra.closed;
      expect(extra.messages).toEqual([{ jsonrpc: '2.0', id: 'hello', error: { code: -32005, message: 'more than 3 connections', data: { code: 'BUSY', limit: { name: 'maxConnections', value: 3 } } } }]);
      held[0]?.close();
      await until(() => server.connectionCount === 2);
      expect((await (await client()).call('status')).ok).toBe(true);
    });

    it('accepts a frame of exactly 1 MiB and closes the connection on one byte more', async () => {
      await start();
      const frameOf = (bytes: number, id: number): string => {
        const head = `{"jsonrpc":"2.0","id":${id},"method":"status","pad":"`;
        return `${head}${'x'.repeat(bytes - head.length - 2)}"}\n`;
      };
      const socket = await raw();
      socket.write(frameOf(1024 * 1024, 1));
      expect((await socket.waitFor(1))[0]).toMatchObject({ id: 1, result: { protocol: 2 } });
      socket.write(frameOf(1024 * 1024 + 1, 2));
      await socket.closed;
      expect(socket.messages[1]).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'frame exceeds 1 MiB', data: { code: 'BAD_REQUEST', limit: { name: 'maxFrameBytes', value: 1024 * 1024 } } } });
    });

    it('answers hello again later, and closes a later hello with a wrong token', async () => {
      await start();
      const socket = await raw();
      socket.send(rpc(1, 'hello', { token: readToken(runtime), protocol: 2 }));
      expect((await socket.waitFor(1))[0]).toMatchObject({ id: 1, result: { protocol: 2, daemonVersion: '0.1.0-test' } });
      socket.send(rpc(2, 'hello', { token: 'nope', protocol: 2 }));
      await socket.closed;
      expect(socket.messages[1]).toMatchObject({ id: 2, error: { data: { code: 'UNAUTHORIZED' } } });
    });

    it('aborts the call context of a client that goes away', async () => {
      let context: CallContext | undefined;
      const entered = deferred();
      await start({
        handlers: fakeHandlers({
          'sync.now': async (_params, ctx) => {
            context = ctx;
            entered.resolve();
            await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
            return ok({ started: [] });
          },
        }),
      });
      const socket = await raw();
      socket.send(rpc(1, 'sync.now', {}));
      await entered.promise;
      expect(context).toMatchObject({ method: 'sync.now', access: 'write' });
      socket.close();
      await until(() => context?.signal.aborted === true);
    });

    it('makes the socket 0600, the token 0600 and the folder 0700; close removes both files, twice is harmless', async () => {
      runtime = tempRuntime();
      expect(existsSync(runtime.socketPath)).toBe(false);
      server = track(await startTestServer(runtime));
      expect(statSync(runtime.socketPath).isSocket()).toBe(true);
      expect(statSync(runtime.socketPath).mode & 0o777).toBe(0o600);
      expect(statSync(runtime.tokenFile).mode & 0o777).toBe(0o600);
      expect(statSync(runtime.paths.runtime).mode & 0o777).toBe(0o700);
      expect(readToken(runtime)).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const viewer = await client();
      await Promise.all([server.close(), server.close()]);
      await server.close();
      expect(existsSync(runtime.socketPath)).toBe(false);
      expect(existsSync(runtime.tokenFile)).toBe(false);
      await until(() => viewer.state === 'closed');
      expect(await viewer.call('status')).toEqual(err({ code: 'UNAVAILABLE', message: 'not connected to the daemon' }));
      const again = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile });
      expect(!again.ok && again.error).toEqual({ kind: 'not-running', socketPath: runtime.socketPath });
    });
  });

  describe('start-up checks', () => {
    const start = (overrides: { socketPath?: string } = {}) =>
      startIpcServer({
        socketPath: overrides.socketPath ?? runtime.socketPath,
        tokenFile: runtime.tokenFile,
        handlers: fakeHandlers(),
        log: silentLogger(),
        version: 't',
      });

    it('never replaces an existing socket file (that is acquireInstance’s call)', async () => {
      runtime = tempRuntime();
      writeFileSync(runtime.socketPath, '');
      expect(await start()).toEqual(err({ kind: 'socket-exists', path: runtime.socketPath }));
    });

    it('refuses a runtime folder others can enter', async () => {
      runtime = tempRuntime();
      chmodSync(runtime.paths.runtime, 0o750);
      const started = await start();
      expect(!started.ok && started.error).toMatchObject({ kind: 'unsafe-runtime-dir', path: runtime.paths.runtime });
      expect(existsSync(runtime.socketPath)).toBe(false);
    });

    it('names a socket path longer than sun_path allows', async () => {
      runtime = tempRuntime();
      const long = `${runtime.paths.runtime}/${'s'.repeat(120)}.sock`;
      const started = await start({ socketPath: long });
      expect(!started.ok && started.error).toMatchObject({ kind: 'socket-path-too-long', path: long, max: 103 });
    });
  });

  describe('hello deadline (fake clock)', () => {
    it('drops a client that stays silent or sends its hello too slowly, never an authenticated one', async () => {
      runtime = tempRuntime();
      const clock = new FakeClock();
      const server = track(await startTestServer(runtime, { clock }));
      const idle = track(await RawClient.open(runtime.socketPath));
      const slow = track(await RawClient.open(runtime.socketPath));
      const prompt = track(await RawClient.open(runtime.socketPath));
      const viewer = await client();
      await until(() => server.connectionCount === 4);
      slow.write('{"id":1,"method":"hel');

      await clock.advance(4999);
      prompt.send(rpc(1, 'hello', { token: readToken(runtime), protocol: 2 }));
      await prompt.waitFor(1);
      expect(prompt.messages[0]?.result).toBeDefined();

      await clock.advance(1);
      await Promise.all([idle.closed, slow.closed]);
      const late = { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'no hello in time', data: { code: 'UNAUTHORIZED', limit: { name: 'helloTimeoutMs', value: 5000 } } } };
      expect(idle.messages).toEqual([late]);
      expect(slow.messages).toEqual([late]);

      await clock.advance(60 * 60 * 1000);
      expect((await viewer.call('status')).ok).toBe(true);
      prompt.send(rpc(2, 'status'));
      expect((await prompt.waitFor(2))[1]?.id).toBe(2);
    });
  });
});
