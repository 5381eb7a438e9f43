import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiError } from '../../src/core/errors.js';
import { ok, type Result } from '../../src/core/result.js';
import { startIpcServer, type IpcServer, type IpcServerOptions } from '../../src/ipc/server.js';
import type { Handlers } from '../../src/ipc/router.js';
import { PROTOCOL_VERSION, type ResultOf } from '../../src/ipc/protocol.js';
import { ipcEndpoint, type IpcEndpoint } from '../../src/platform/instance.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { AppPaths } from '../../src/platform/paths.js';

export const ACCOUNT = 'a_0123456789abcdef01234567';

export interface TempRuntime extends IpcEndpoint {
  root: string;
  paths: AppPaths;
  cleanup(): void;
}

/** A private temp home with its runtime folder (0700), removed by `cleanup`. */
export function tempRuntime(): TempRuntime {
  const root = mkdtempSync(join(tmpdir(), 'cv-'));
  const paths: AppPaths = { config: join(root, 'config'), data: join(root, 'data'), logs: join(root, 'logs'), runtime: join(root, 'run') };
  mkdirSync(paths.runtime, { mode: 0o700 });
  return { root, paths, ...ipcEndpoint(paths), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export const sampleMeeting = {
  accountKey: ACCOUNT,
  uuid: 'uuid-1==',
  meetingId: '81234567890',
  hostId: 'host-1',
  topic: 'Quarterly planning',
  type: 2,
  startTime: Date.UTC(2026, 0, 10, 9),
  durationMinutes: 45,
  timezone: 'Europe/Berlin',
  endTime: null,
  participantsCount: 3,
  source: 'meetings' as const,
};

const emptyPage = { items: [], nextCursor: null, omitted: [] };

/** Handlers that answer with fixed, schema-valid values; tests override the ones they study. */
export function fakeHandlers(overrides: Partial<Handlers> = {}): Handlers {
  const answer = <T>(value: T) => Promise.resolve(ok(value) as Result<T, ApiError>);
  const status: ResultOf<'status'> = {
    daemonVersion: '0.1.0-test',
    protocol: PROTOCOL_VERSION,
    pid: process.pid,
    startedAt: Date.UTC(2026, 0, 15),
    serverTime: Date.UTC(2026, 0, 15, 1),
    devicePublicKey: null,
    deviceId: 'device-test',
    link: { state: 'disabled', since: null },
    keys: { custody: 'file', state: 'ready', detail: null },
    syncPaused: false,
    accounts: [],
  };
  return {
    status: () => answer(status),
    'accounts.list': () => answer({ accounts: [] }),
    'accounts.connect': () => answer({ loginId: 'login-1', url: 'http://127.0.0.1:1/authorize' }),
    'accounts.disconnect': () => answer({ receiptId: 'r-1' }),
    'meetings.list': (params) => answer({ items: [sampleMeeting].slice(0, params.limit), nextCursor: null, omitted: [] }),
    'meetings.get': () => answer({ ...sampleMeeting, participants: [] }),
    'calls.list': () => answer(emptyPage),
    'recordings.list': () => answer(emptyPage),
    search: () => answer({ hits: [], nextCursor: null, omitted: [] }),
    'sync.now': () => answer({ started: [ACCOUNT] }),
    'sync.pause': (params) => answer({ paused: params.paused }),
    purge: () => answer({ receiptIds: ['r-2'] }),
    'receipts.list': () => answer({ receipts: [] }),
    ...overrides,
  };
}

export async function startTestServer(runtime: TempRuntime, options: Partial<IpcServerOptions> = {}): Promise<IpcServer> {
  const started = await startIpcServer({
    socketPath: runtime.socketPath,
    tokenFile: runtime.tokenFile,
    handlers: fakeHandlers(),
    log: silentLogger(),
    version: '0.1.0-test',
    validateResults: true,
    ...options,
  });
  if (!started.ok) throw new Error(`server did not start: ${JSON.stringify(started.error)}`);
  return started.value;
}

export function readToken(runtime: IpcEndpoint): string {
  return readFileSync(runtime.tokenFile, 'utf8').trim();
}

/** A JSON-RPC 2.0 message as it crosses the wire (one element of a frame). */
export interface WireMessage {
  jsonrpc?: string;
  id?: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: { code: string; limit?: { name: string; value: number } } };
  method?: string;
  params?: unknown;
}

/** A JSON-RPC 2.0 request. */
export function rpc(id: string | number | null, method: string, params?: unknown): Record<string, unknown> {
  return params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
}

/** The error a server answers: its message, our code, and the numeric code. */
export function rpcError(id: string | number | null, code: string, numeric: number, message: string): WireMessage {
  return { jsonrpc: '2.0', id, error: { code: numeric, message, data: { code } } };
}

/** A raw socket speaking the wire format by hand, to send what the typed client never would. */
export class RawClient {
  /** Every frame received, parsed (a batch's answer is an array). */
  readonly messages: WireMessage[] = [];
  readonly closed: Promise<void>;
  private buffer = '';
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) !== -1) {
        this.messages.push(JSON.parse(this.buffer.slice(0, newline)) as WireMessage);
        this.buffer = this.buffer.slice(newline + 1);
      }
      this.wake();
    });
    // Writes after the server hung up fail with EPIPE/ECONNRESET: expected in these tests.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.wake();
      resolve();
    }));
  }

  static open(socketPath: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ path: socketPath });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  static async authenticated(runtime: IpcEndpoint): Promise<RawClient> {
    const raw = await RawClient.open(runtime.socketPath);
    raw.send(rpc('hello', 'hello', { token: readToken(runtime), protocol: PROTOCOL_VERSION }));
    const [answer] = await raw.waitFor(1);
    if (!answer || answer.error) throw new Error(`hello failed: ${JSON.stringify(answer)}`);
    raw.messages.length = 0;
    return raw;
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  send(message: unknown): void {
    this.write(`${JSON.stringify(message)}\n`);
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** Resolves once `count` messages have arrived (or the socket closed first). */
  async waitFor(count: number): Promise<WireMessage[]> {
    while (this.messages.length < count && !this.socket.destroyed) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.messages.slice(0, count);
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Leaves what a crashed daemon leaves: a socket file nobody listens on. Returns the pid of the
 * process that made it, which is dead by then.
 */
export async function staleSocket(socketPath: string): Promise<number> {
  const script = "require('net').createServer().listen(process.argv[1], () => process.kill(process.pid, 'SIGKILL'))";
  const child = spawn(process.execPath, ['-e', script, socketPath], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('the child did not start');
  return child.pid;
}
