import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../core/clock.js';
import { apiError, type ApiError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import { checkShape, FrameDecoder, frameOf, parseFrame } from './frames.js';
import { errorText, notificationText, readIncoming, requestIdOf, resultText, RPC_CODES, type RequestId } from './jsonrpc.js';
import { formatBytes, limitOf, type IpcLimits, type LimitName } from './limits.js';
import { PROTOCOL_VERSION, type HelloResult, type MethodDef, type ParamsOf, type Topic } from './protocol.js';
import type { Router } from './router.js';
import { SerializedResult } from './serialized.js';
import { tokensEqual } from './token.js';

// One client connection (Tailscale's ipnserver): framing, the hello handshake, batches, the
// per-connection limits, and the connection's own state (subscriptions, requests in flight).
// Routing is router.ts's job; the pools of connections are server.ts's.

export interface ConnectionOptions {
  id: number;
  socket: Socket;
  router: Router;
  token: string;
  hello: () => HelloResult;
  limits: Readonly<IpcLimits>;
  clock: Clock;
  log: Logger;
  /** The hello checked out: the server takes the connection into its authenticated pool, or says why not. */
  admit: (connection: Connection) => Result<void, ApiError>;
  /** Events of `topic` that hold right now, sent to a connection that subscribes to it (lease.warning). */
  holding: (topic: Topic) => readonly unknown[];
  /** The connection is closing: it leaves its pool at once, before its socket is gone. */
  released: (connection: Connection) => void;
  /** A client refused or dropped, for the log: a loop of bad clients must not become a flood of lines. */
  refused: (reason: string) => void;
}

type State = 'greeting' | 'open' | 'closed';

/** What one request element comes to: the answer's text, null for none (a notification), or later. */
type Answer = string | null | Promise<string | null>;

export class Connection {
  readonly id: number;
  private state: State = 'greeting';
  private readonly decoder: FrameDecoder;
  private readonly topics = new Set<Topic>();
  /** Topics just subscribed to: their holding events go out right after the answer. */
  private newTopics: Topic[] = [];
  private inFlight = 0;
  private readonly aborter = new AbortController();
  private helloTimer: TimerHandle | null;
  private partialTimer: TimerHandle | null = null;

  constructor(private readonly options: ConnectionOptions) {
    this.id = options.id;
    this.decoder = new FrameDecoder(options.limits.maxFrameBytes);
    this.helloTimer = options.clock.setTimeout(() => {
      this.helloTimer = null;
      if (this.state !== 'greeting') return;
      options.log.debug({ connectionId: this.id }, 'IPC client sent no hello in time');
      this.closeWith(null, this.limitError('UNAUTHORIZED', 'no hello in time', 'helloTimeoutMs'));
    }, options.limits.helloTimeoutMs);
  }

  get authenticated(): boolean {
    return this.state === 'open';
  }

  /** A getter, so checks between frames see a close that happened while handling the last one. */
  private get closed(): boolean {
    return this.state === 'closed';
  }

  receive(chunk: Buffer): void {
    if (this.closed) return;
    const frames = this.decoder.push(chunk);
    if (!frames.ok) {
      this.options.refused('maxFrameBytes');
      this.closeWith(null, this.limitError('BAD_REQUEST', `frame exceeds ${formatBytes(this.options.limits.maxFrameBytes)}`, 'maxFrameBytes'), RPC_CODES.invalidRequest);
      return;
    }
    for (const frame of frames.value) {
      if (this.closed) return;
      this.handleFrame(frame);
    }
    this.watchPartialFrame();
  }

  /** Sends an already encoded event frame if this connection subscribed to its topic. */
  deliver(topic: Topic, frame: Buffer): void {
    if (this.state === 'open' && this.topics.has(topic)) this.write(frame);
  }

  /** Answers a connection the server will not keep (a pool is full) and closes it. */
  refuse(error: ApiError): void {
    this.closeWith(null, error);
  }

  /** Closes now, dropping anything unsent. */
  destroy(): void {
    this.dispose();
    this.options.socket.destroy();
  }

  /** The socket closed (either side): stop timers and tell handlers nobody is listening. */
  dispose(): void {
    if (this.aborter.signal.aborted) return;
    this.state = 'closed';
    this.options.released(this);
    this.helloTimer?.cancel();
    this.partialTimer?.cancel();
    this.aborter.abort();
  }

  /**
   * An unfinished frame must keep arriving: one left waiting for its next byte holds a slot and
   * memory forever otherwise. (Before hello, the hello deadline covers it.)
   */
  private watchPartialFrame(): void {
    this.partialTimer?.cancel();
    this.partialTimer = null;
    if (this.state !== 'open' || this.decoder.pendingBytes === 0) return;
    const { limits, clock, log } = this.options;
    this.partialTimer = clock.setTimeout(() => {
      log.debug({ connectionId: this.id, pendingBytes: this.decoder.pendingBytes }, 'IPC client left a frame unfinished; closing it');
      this.closeWith(null, this.limitError('BAD_REQUEST', `a frame was left unfinished for ${limits.partialFrameTimeoutMs} ms`, 'partialFrameTimeoutMs'), RPC_CODES.invalidRequest);
    }, limits.partialFrameTimeoutMs);
  }

  private limitError(code: ApiError['code'], message: string, limit: LimitName): ApiError {
    return apiError(code, message, limitOf(this.options.limits, limit));
  }

  private handleFrame(frame: Buffer): void {
    const { limits } = this.options;
    const shape = checkShape(frame, { maxDepth: limits.maxDepth, maxValues: limits.maxValues });
    if (!shape.ok) {
      if (this.state === 'greeting') this.closeWith(null, apiError('UNAUTHORIZED', 'the first request must be hello'));
      else if (shape.error === 'too-deep') this.send(errorText(null, this.limitError('BAD_REQUEST', `request nests deeper than ${limits.maxDepth} levels`, 'maxDepth'), RPC_CODES.invalidRequest));
      else this.send(errorText(null, this.limitError('BAD_REQUEST', `request holds more than ${limits.maxValues} values`, 'maxValues'), RPC_CODES.invalidRequest));
      return;
    }
    const parsed = parseFrame(frame);
    if (this.state === 'greeting') {
      this.greet(parsed.ok ? parsed.value : undefined);
      return;
    }
    if (!parsed.ok) {
      this.send(errorText(null, apiError('BAD_REQUEST', 'frame is not UTF-8 JSON'), RPC_CODES.parseError));
      return;
    }
    if (Array.isArray(parsed.value)) this.handleBatch(parsed.value);
    else this.settle(this.handle(parsed.value));
  }

  private greet(value: unknown): void {
    const message = readIncoming(value);
    if (message.kind !== 'call' || message.method !== 'hello') {
      this.closeWith(requestIdOf(value), apiError('UNAUTHORIZED', 'the first request must be hello'));
      return;
    }
    const answer = this.checkHello(message.params);
    if (!answer.ok) {
      this.closeWith(message.id, answer.error);
      return;
    }
    const admitted = this.options.admit(this);
    if (!admitted.ok) {
      this.closeWith(message.id, admitted.error);
      return;
    }
    this.state = 'open';
    this.helloTimer?.cancel();
    this.helloTimer = null;
    this.options.log.debug({ connectionId: this.id }, 'IPC client authenticated');
    this.send(resultText(message.id, JSON.stringify(answer.value)));
  }

  private checkHello(rawParams: unknown): Result<HelloResult, ApiError> {
    const { router } = this.options;
    const def = router.lookup('hello');
    const params = def.ok ? router.validateParams(def.value, rawParams) : def;
    if (!params.ok) return err(apiError('UNAUTHORIZED', 'hello needs {token, protocol}'));
    const { token, protocol } = params.value as ParamsOf<'hello'>;
    if (!tokensEqual(token, this.options.token)) {
      this.options.refused('wrong-token');
      return err(apiError('UNAUTHORIZED', 'wrong token'));
    }
    if (protocol !== PROTOCOL_VERSION) {
      return err(apiError('UNAUTHORIZED', `protocol ${protocol} is not supported; this daemon speaks ${PROTOCOL_VERSION}`));
    }
    return ok(this.options.hello());
  }

  /** A batch is answered with one array frame once every element is answered (JSON-RPC 2.0 §6). */
  private handleBatch(elements: unknown[]): void {
    const { limits } = this.options;
    if (elements.length === 0) {
      this.send(errorText(null, apiError('BAD_REQUEST', 'an empty batch'), RPC_CODES.invalidRequest));
      return;
    }
    if (elements.length > limits.maxBatch) {
      this.send(errorText(null, this.limitError('BAD_REQUEST', `a batch of more than ${limits.maxBatch} requests`, 'maxBatch'), RPC_CODES.invalidRequest));
      return;
    }
    const answers = elements.map((element) => this.handle(element));
    const join = (texts: Array<string | null>): string | null => {
      const present = texts.filter((text): text is string => text !== null);
      // A batch of notifications only is answered with nothing at all.
      return present.length > 0 ? `[${present.join(',')}]` : null;
    };
    if (answers.some((answer) => answer instanceof Promise)) this.settle(Promise.all(answers).then(join));
    else this.settle(join(answers as Array<string | null>));
  }

  private settle(answer: Answer): void {
    if (answer instanceof Promise) {
      void answer.then((text) => this.settle(text));
      return;
    }
    if (answer !== null) this.send(answer);
    if (this.newTopics.length > 0) this.sendHolding();
  }

  /** One request or notification; never throws. */
  private handle(value: unknown): Answer {
    const message = readIncoming(value);
    if (message.kind === 'invalid') return errorText(message.id, apiError('BAD_REQUEST', message.message), RPC_CODES.invalidRequest);
    const id = message.kind === 'call' ? message.id : undefined;
    const failure = (error: ApiError, numeric?: number): string | null => (id === undefined ? null : errorText(id, error, numeric));
    const { router } = this.options;
    const def = router.lookup(message.method);
    if (!def.ok) return failure(def.error, RPC_CODES.methodNotFound);
    if (def.value.name === 'hello') {
      const answer = this.checkHello(message.params);
      if (!answer.ok) {
        this.closeWith(id ?? null, answer.error);
        return null;
      }
      return id === undefined ? null : resultText(id, JSON.stringify(answer.value));
    }
    const params = router.validateParams(def.value, message.params);
    if (!params.ok) return failure(params.error, RPC_CODES.invalidParams);
    if (def.value.name === 'subscribe') {
      const topics = this.subscribe(params.value as ParamsOf<'subscribe'>);
      return id === undefined ? null : resultText(id, JSON.stringify({ topics }));
    }
    if (this.inFlight >= this.options.limits.maxInFlight) {
      return failure(this.limitError('BUSY', `more than ${this.options.limits.maxInFlight} requests in flight on this connection`, 'maxInFlight'));
    }
    return this.dispatch(id, def.value, params.value);
  }

  private dispatch(id: RequestId | undefined, def: MethodDef, params: unknown): Answer {
    const answer = this.options.router.call(def, params, { connectionId: this.id, signal: this.aborter.signal });
    if (!(answer instanceof Promise)) return id === undefined ? null : this.outcomeText(id, answer);
    this.inFlight++;
    // The router turns every throw and rejection into INTERNAL, so this runs for every call.
    return answer.then((outcome) => {
      this.inFlight--;
      return id === undefined ? null : this.outcomeText(id, outcome);
    });
  }

  private outcomeText(id: RequestId, outcome: Result<unknown, ApiError>): string {
    if (!outcome.ok) return errorText(id, outcome.error);
    const result = outcome.value;
    return resultText(id, result instanceof SerializedResult ? result.json : JSON.stringify(result));
  }

  private subscribe(params: ParamsOf<'subscribe'>): Topic[] {
    const before = new Set(this.topics);
    this.topics.clear();
    for (const topic of params.topics) this.topics.add(topic);
    this.newTopics = [...this.topics].filter((topic) => !before.has(topic));
    return [...this.topics];
  }

  /** The events that hold for the topics just subscribed to, right after the subscribe answer. */
  private sendHolding(): void {
    const topics = this.newTopics;
    this.newTopics = [];
    for (const topic of topics) {
      for (const data of this.options.holding(topic)) this.deliver(topic, frameOf(notificationText(topic, data)));
    }
  }

  private send(text: string): void {
    this.write(frameOf(text));
  }

  private write(frame: Buffer): void {
    if (this.closed) return;
    const { socket, limits } = this.options;
    socket.write(frame);
    if (socket.writableLength > limits.maxPendingWriteBytes) {
      this.options.refused('maxPendingWriteBytes');
      this.closeWith(null, this.limitError('BUSY', `the client did not read: more than ${formatBytes(limits.maxPendingWriteBytes)} of answers and events waiting`, 'maxPendingWriteBytes'));
    }
  }

  /**
   * Answers with `error` and ends this side; the socket closes when the client ends its side too.
   * Until then what it sends is read and dropped, so a client that writes after the end (a hello
   * sent just as it was closed for a newer connection) still reads why, instead of failing on a
   * broken pipe. A client that does neither within the grace time is cut off.
   */
  private closeWith(id: RequestId, error: ApiError, numeric?: number): void {
    if (this.closed) return;
    this.dispose();
    const { socket, clock, limits } = this.options;
    const grace = clock.setTimeout(() => socket.destroy(), limits.closeGraceMs);
    socket.once('close', () => grace.cancel());
    socket.end(frameOf(errorText(id, error, numeric)));
  }
}
