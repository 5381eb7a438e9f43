/**
 * The typed IPC client: how the CLI, the tray and any local app talk to the daemon.
 *
 *   import { connectIpc, describeClientError } from '../ipc/client.js';
 *   import { ipcEndpoint } from '../platform/instance.js';
 *   import { resolvePaths } from '../platform/paths.js';
 *
 *   const connected = await connectIpc({ ...ipcEndpoint(resolvePaths()), reconnect: false });
 *   if (!connected.ok) {
 *     console.error(describeClientError(connected.error)); // names the command that starts the daemon
 *     process.exit(connected.error.kind === 'not-running' ? 3 : 1);
 *   }
 *   const client = connected.value;
 *   const page = await client.call('meetings.list', { limit: 20 });   // typed params and result
 *   if (page.ok) for (const meeting of page.value.items) console.log(meeting.uuid, meeting.startTime);
 *   else console.error(page.error.code, page.error.message);          // a closed set of codes
 *   await client.on('sync.done', (event) => console.log('synced', event.accountKey));
 *   await client.close();
 */
import { connect, type Socket } from 'node:net';
import { equalJitterDelay } from '../core/backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { apiError, type ApiError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { FrameDecoder, frameOf, parseFrame } from './frames.js';
import { readServerMessage, requestText, type ServerMessage } from './jsonrpc.js';
import { DEFAULT_IPC_LIMITS } from './limits.js';
import {
  PROTOCOL_VERSION,
  type EventDataOf,
  type HandledMethodName,
  type HelloResult,
  type MethodName,
  type ParamsInput,
  type ResultOf,
  type Topic,
} from './protocol.js';
import { codeOf, readTokenFile } from './token.js';

// The client speaks to the socket with node's `net` rather than node-ipc's client: the wire is
// the same (JSON-RPC 2.0, jsonrpc.ts), and node-ipc's client retries forever on a fixed interval
// and logs to the console.

export interface ConnectOptions {
  socketPath: string;
  tokenFile: string;
  /** Reconnect with backoff after the daemon goes away (re-hello, re-subscribe). Default false. */
  reconnect?: boolean;
  /** Limit for connecting and for each call. Default 30 s. */
  timeoutMs?: number;
  clock?: Clock;
}

export type ClientError =
  /** No socket, or nobody listening on it: the CLI exits 3 and names the command that starts the daemon. */
  | { kind: 'not-running'; socketPath: string }
  | { kind: 'unauthorized'; message: string }
  /** The daemon serves as many clients as it takes (its message names the limit). */
  | { kind: 'busy'; message: string }
  | { kind: 'protocol-mismatch'; expected: number; actual: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'io'; path: string; code: string };

export type ConnectionState = 'connected' | 'reconnecting' | 'closed';

/** Params may be left out when every field is optional. */
export type ParamsArgs<M extends MethodName> = {} extends ParamsInput<M> ? [params?: ParamsInput<M>] : [params: ParamsInput<M>];

export type Unsubscribe = () => Promise<void>;

export interface IpcClient {
  /** The daemon's answer to the latest hello (refreshed on every reconnect). */
  readonly daemon: HelloResult;
  readonly state: ConnectionState;
  call<M extends HandledMethodName>(method: M, ...params: ParamsArgs<M>): Promise<Result<ResultOf<M>, ApiError>>;
  /**
   * Handles `topic`'s events. When connected, the subscription has reached the daemon once the
   * promise resolves; while reconnecting, it is sent with the re-subscription.
   */
  on<T extends Topic>(topic: T, handler: (data: EventDataOf<T>) => void): Promise<Result<Unsubscribe, ApiError>>;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
  /** Idempotent; calls still waiting get UNAVAILABLE. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 5000;

export async function connectIpc(options: ConnectOptions): Promise<Result<IpcClient, ClientError>> {
  const settings: Settings = {
    socketPath: options.socketPath,
    tokenFile: options.tokenFile,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    clock: options.clock ?? systemClock,
  };
  const first = await openSession(settings);
  if (!first.ok) return first;
  return ok(new Client(settings, first.value, options.reconnect ?? false));
}

export function describeClientError(error: ClientError): string {
  switch (error.kind) {
    case 'not-running':
      return `the callvault daemon is not running (no answer on ${error.socketPath}); start it with: callvault daemon`;
    case 'unauthorized':
      return `the daemon refused this client: ${error.message}`;
    case 'busy':
      return `the daemon is busy: ${error.message}; try again later`;
    case 'protocol-mismatch':
      return `the daemon speaks IPC protocol ${error.actual}, this program speaks ${error.expected}; update one of them`;
    case 'timeout':
      return `the daemon did not answer within ${error.ms} ms`;
    case 'io':
      return `cannot reach the daemon at ${error.path}: ${error.code}`;
  }
}

interface Settings {
  socketPath: string;
  tokenFile: string;
  timeoutMs: number;
  clock: Clock;
}

interface OpenSession {
  session: Session;
  hello: HelloResult;
}

/** How long to wait before dialling again when the daemon's pool of new connections was full. */
const BUSY_RETRY_FIRST_MS = 10;
const BUSY_RETRY_MAX_MS = 500;

/**
 * Dials and says hello. A daemon whose pool of connections waiting for hello is full closes the
 * oldest for the newest, so another try soon gets through; tries go on until the timeout.
 */
async function openSession(settings: Settings): Promise<Result<OpenSession, ClientError>> {
  const giveUpAt = settings.clock.monotonic() + settings.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const opened = await openSessionOnce(settings);
    if (opened.ok) return opened;
    if (opened.error.kind !== 'evicted') return err(opened.error);
    const wait = equalJitterDelay(attempt, BUSY_RETRY_FIRST_MS, BUSY_RETRY_MAX_MS);
    if (settings.clock.monotonic() + wait >= giveUpAt) return err({ kind: 'timeout', ms: settings.timeoutMs });
    await settings.clock.sleep(wait);
  }
}

/** Dials, reads the token (new at every daemon start) and says hello, once. */
async function openSessionOnce(settings: Settings): Promise<Result<OpenSession, ClientError | { kind: 'evicted' }>> {
  const dialled = await dial(settings);
  if (!dialled.ok) return dialled;
  const session = new Session(dialled.value, settings);
  const token = readTokenFile(settings.tokenFile);
  if (!token.ok) {
    session.destroy();
    return err(token.error === 'ENOENT' ? { kind: 'not-running', socketPath: settings.socketPath } : { kind: 'io', path: settings.tokenFile, code: token.error });
  }
  const answer = await session.request('hello', { token: token.value, protocol: PROTOCOL_VERSION });
  if (!answer.ok) {
    session.destroy();
    if (answer.error.code === 'UNAUTHORIZED') return err({ kind: 'unauthorized', message: answer.error.message });
    if (answer.error.code === 'BUSY') return err(answer.error.limit?.name === 'maxUnauthenticated' ? { kind: 'evicted' } : { kind: 'busy', message: answer.error.message });
    if (session.timedOut) return err({ kind: 'timeout', ms: settings.timeoutMs });
    return err({ kind: 'io', path: settings.socketPath, code: answer.error.code });
  }
  const hello = answer.value as HelloResult;
  if (hello.protocol !== PROTOCOL_VERSION) {
    session.destroy();
    return err({ kind: 'protocol-mismatch', expected: PROTOCOL_VERSION, actual: hello.protocol });
  }
  return ok({ session, hello });
}

function dial(settings: Settings): Promise<Result<Socket, ClientError>> {
  return new Promise((resolve) => {
    const socket = connect({ path: settings.socketPath });
    const timer = settings.clock.setTimeout(() => {
      socket.destroy();
      resolve(err({ kind: 'timeout', ms: settings.timeoutMs }));
    }, settings.timeoutMs);
    socket.once('connect', () => {
      timer.cancel();
      socket.removeAllListeners('error');
      resolve(ok(socket));
    });
    socket.once('error', (error) => {
      timer.cancel();
      const code = codeOf(error);
      resolve(err(code === 'ENOENT' || code === 'ECONNREFUSED' ? { kind: 'not-running', socketPath: settings.socketPath } : { kind: 'io', path: settings.socketPath, code }));
    });
  });
}

interface Pending {
  resolve: (outcome: Result<unknown, ApiError>) => void;
  /** When the call gives up waiting, on the clock's monotonic time. */
  deadline: number;
}

/** One socket: frames, request ids and the calls waiting for an answer. */
class Session {
  private readonly decoder = new FrameDecoder(DEFAULT_IPC_LIMITS.maxResponseFrameBytes);
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  /** One timer for the earliest deadline, not one per call: a call then costs no timer work. */
  private deadlineTimer: TimerHandle | null = null;
  timedOut = false;
  onEvent: (topic: string, data: unknown) => void = () => {};
  onClose: () => void = () => {};

  constructor(
    private readonly socket: Socket,
    private readonly settings: Settings,
  ) {
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.shutdown());
  }

  request(method: MethodName, params: unknown): Promise<Result<unknown, ApiError>> {
    if (this.closed) return Promise.resolve(err(apiError('UNAVAILABLE', 'not connected to the daemon')));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, deadline: this.settings.clock.monotonic() + this.settings.timeoutMs });
      this.deadlineTimer ??= this.settings.clock.setTimeout(() => this.expire(), this.settings.timeoutMs);
      this.socket.write(frameOf(requestText(id, method, params)));
    });
  }

  /** Fails the calls past their deadline, then waits for the earliest left (Map order is call order). */
  private expire(): void {
    this.deadlineTimer = null;
    const now = this.settings.clock.monotonic();
    for (const [id, waiting] of this.pending) {
      if (waiting.deadline > now) {
        this.deadlineTimer = this.settings.clock.setTimeout(() => this.expire(), waiting.deadline - now);
        return;
      }
      this.pending.delete(id);
      this.timedOut = true;
      waiting.resolve(err(apiError('UNAVAILABLE', `no answer from the daemon within ${this.settings.timeoutMs} ms`)));
    }
  }

  destroy(): void {
    this.socket.destroy();
    this.shutdown();
  }

  private receive(chunk: Buffer): void {
    const frames = this.decoder.push(chunk);
    if (!frames.ok) {
      this.destroy();
      return;
    }
    for (const frame of frames.value) {
      const parsed = parseFrame(frame);
      if (!parsed.ok) continue;
      // This client sends no batches, but a batch's answer is only several answers in one frame.
      for (const element of Array.isArray(parsed.value) ? parsed.value : [parsed.value]) {
        const message = readServerMessage(element);
        if (message) this.take(message);
      }
    }
  }

  private take(message: ServerMessage): void {
    if (message.kind === 'notification') {
      this.onEvent(message.method, message.params);
    } else if (typeof message.id === 'number') {
      this.settle(message.id, message.kind === 'error' ? err(message.error) : ok(message.result));
    } else if (message.kind === 'error' && message.id === null) {
      // An answer to no request: the server is closing this connection and says why.
      for (const id of [...this.pending.keys()]) this.settle(id, err(message.error));
    }
  }

  private settle(id: number, outcome: Result<unknown, ApiError>): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    waiting.resolve(outcome);
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.deadlineTimer?.cancel();
    this.deadlineTimer = null;
    for (const id of [...this.pending.keys()]) this.settle(id, err(apiError('UNAVAILABLE', 'the connection to the daemon closed')));
    this.onClose();
  }
}

type AnyHandler = (data: unknown) => void;

class Client implements IpcClient {
  daemon: HelloResult;
  state: ConnectionState = 'connected';
  private session: Session | null;
  private readonly handlers = new Map<Topic, Set<AnyHandler>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly stopping = new AbortController();
  private looping = false;

  constructor(
    private readonly settings: Settings,
    first: OpenSession,
    private readonly reconnect: boolean,
  ) {
    this.daemon = first.hello;
    this.session = first.session;
    this.attach(first.session);
  }

  call<M extends HandledMethodName>(method: M, ...params: ParamsArgs<M>): Promise<Result<ResultOf<M>, ApiError>> {
    return this.request(method, params[0] ?? {}) as Promise<Result<ResultOf<M>, ApiError>>;
  }

  async on<T extends Topic>(topic: T, handler: (data: EventDataOf<T>) => void): Promise<Result<Unsubscribe, ApiError>> {
    const set = this.handlers.get(topic) ?? new Set<AnyHandler>();
    const isNew = set.size === 0;
    set.add(handler as AnyHandler);
    this.handlers.set(topic, set);
    // While reconnecting, the new topic goes out with the re-subscription.
    if (isNew && this.state === 'connected') {
      const sent = await this.sendSubscriptions();
      if (!sent.ok) {
        this.removeHandler(topic, handler as AnyHandler);
        return sent;
      }
    }
    return ok(async () => {
      if (this.removeHandler(topic, handler as AnyHandler)) await this.sendSubscriptions();
    });
  }

  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.stopping.abort();
    this.setState('closed');
    this.session?.destroy();
    this.session = null;
  }

  private request(method: MethodName, params: unknown): Promise<Result<unknown, ApiError>> {
    if (!this.session) return Promise.resolve(err(apiError('UNAVAILABLE', 'not connected to the daemon')));
    return this.session.request(method, params);
  }

  /** Sends the whole topic set: `subscribe` replaces, so a resend after reconnecting is the same call. */
  private async sendSubscriptions(): Promise<Result<void, ApiError>> {
    const answer = await this.request('subscribe', { topics: [...this.handlers.keys()] });
    return answer.ok ? ok(undefined) : answer;
  }

  /** Returns true when the topic has no handler left. */
  private removeHandler(topic: Topic, handler: AnyHandler): boolean {
    const set = this.handlers.get(topic);
    if (!set?.delete(handler) || set.size > 0) return false;
    this.handlers.delete(topic);
    return true;
  }

  private attach(session: Session): void {
    session.onEvent = (topic, data) => {
      const set = this.handlers.get(topic as Topic);
      if (!set) return;
      // A throwing handler is the viewer's bug; it must not stop the frames behind it.
      for (const handler of set) queueMicrotask(() => handler(data));
    };
    session.onClose = () => {
      if (this.session !== session) return;
      this.session = null;
      if (this.state === 'closed') return;
      if (!this.reconnect) {
        this.setState('closed');
        return;
      }
      this.setState('reconnecting');
      void this.reconnectLoop();
    };
  }

  private async reconnectLoop(): Promise<void> {
    if (this.looping) return;
    this.looping = true;
    try {
      for (let attempt = 0; this.state === 'reconnecting'; attempt++) {
        try {
          // Doubling from 100 ms to 5 s, jittered: clients of a restarted daemon do not return in step.
          await this.settings.clock.sleep(equalJitterDelay(attempt, BACKOFF_FIRST_MS, BACKOFF_MAX_MS), this.stopping.signal);
        } catch {
          return;
        }
        const opened = await openSession(this.settings);
        if (this.state !== 'reconnecting') {
          if (opened.ok) opened.value.session.destroy();
          return;
        }
        if (!opened.ok) {
          // A daemon of another protocol will not change by waiting.
          if (opened.error.kind === 'protocol-mismatch') this.setState('closed');
          continue;
        }
        const { session, hello } = opened.value;
        this.daemon = hello;
        this.session = session;
        this.attach(session);
        if (this.handlers.size > 0) await this.sendSubscriptions();
        // Closed again while re-subscribing: keep trying.
        if (this.session === session) {
          this.setState('connected');
          return;
        }
      }
    } finally {
      this.looping = false;
    }
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

