import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../core/clock.js';
import { apiError, type ApiError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import type { Logger } from '../platform/logger.js';
import { checkShape, encodeFrame, encodeSerializedReply, FrameDecoder, parseFrame } from './frames.js';
import { SerializedResult } from './serialized.js';
import { readRequest, requestIdOf } from './envelope.js';
import { MAX_REQUEST_DEPTH, MAX_REQUEST_VALUES, PROTOCOL_VERSION, type HelloResult, type MethodDef, type ParamsOf, type RequestMessage, type RequestId, type Topic } from './protocol.js';
import type { Router } from './router.js';
import { tokensEqual } from './token.js';

// One client connection (Tailscale's ipnserver): framing, the hello handshake, limits, and the
// connection's own state (subscriptions, requests in flight). Routing is router.ts's job.

export interface ConnectionLimits {
  maxFrameBytes: number;
  maxInFlight: number;
  helloTimeoutMs: number;
  /** Bytes queued towards a client that does not read; past this the client is dropped. */
  maxPendingWriteBytes: number;
}

export interface ConnectionOptions {
  id: number;
  socket: Socket;
  router: Router;
  token: string;
  hello: () => HelloResult;
  limits: ConnectionLimits;
  clock: Clock;
  log: Logger;
}

type State = 'greeting' | 'open' | 'closed';

export class Connection {
  readonly id: number;
  private state: State = 'greeting';
  private readonly decoder: FrameDecoder;
  private readonly topics = new Set<Topic>();
  private inFlight = 0;
  private readonly aborter = new AbortController();
  private readonly helloTimer: TimerHandle;

  constructor(private readonly options: ConnectionOptions) {
    this.id = options.id;
    this.decoder = new FrameDecoder(options.limits.maxFrameBytes);
    this.helloTimer = options.clock.setTimeout(() => {
      if (this.state !== 'greeting') return;
      options.log.debug({ connectionId: this.id }, 'IPC client sent no hello in time');
      this.fail(null, apiError('UNAUTHORIZED', 'no hello in time'));
    }, options.limits.helloTimeoutMs);
  }

  /** A getter, so checks between frames see a close that happened while handling the last one. */
  private get closed(): boolean {
    return this.state === 'closed';
  }

  receive(chunk: Buffer): void {
    if (this.closed) return;
    const frames = this.decoder.push(chunk);
    if (!frames.ok) {
      this.options.log.warn({ connectionId: this.id }, 'IPC frame over the size limit');
      this.fail(null, apiError('BAD_REQUEST', `frame exceeds ${formatBytes(this.options.limits.maxFrameBytes)}`));
      return;
    }
    for (const frame of frames.value) {
      if (this.closed) return;
      this.handleFrame(frame);
    }
  }

  /** Sends an already encoded event frame if this connection subscribed to its topic. */
  deliver(topic: Topic, frame: Buffer): void {
    if (this.state === 'open' && this.topics.has(topic)) this.write(frame);
  }

  /** Answers a connection the server will not take (e.g. over the connection limit) and closes it. */
  refuse(error: ApiError): void {
    this.fail(null, error);
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
    this.helloTimer.cancel();
    this.aborter.abort();
  }

  private handleFrame(frame: Buffer): void {
    const shape = checkShape(frame, { maxDepth: MAX_REQUEST_DEPTH, maxValues: MAX_REQUEST_VALUES });
    if (!shape.ok) {
      if (this.state === 'greeting') this.fail(null, apiError('UNAUTHORIZED', 'the first request must be hello'));
      else this.replyError(null, apiError('BAD_REQUEST', shape.error === 'too-deep' ? `request nests deeper than ${MAX_REQUEST_DEPTH} levels` : `request holds more than ${MAX_REQUEST_VALUES} values`));
      return;
    }
    const parsed = parseFrame(frame);
    const request = parsed.ok ? readRequest(parsed.value) : null;
    if (this.state === 'greeting') {
      this.greet(request, parsed.ok ? requestIdOf(parsed.value) : null);
      return;
    }
    if (!parsed.ok) {
      this.replyError(null, apiError('BAD_REQUEST', 'frame is not UTF-8 JSON'));
      return;
    }
    if (!request) {
      this.replyError(requestIdOf(parsed.value), apiError('BAD_REQUEST', 'a request is {"id", "method", "params"}'));
      return;
    }
    this.handleRequest(request);
  }

  private greet(request: RequestMessage | null, id: RequestId | null): void {
    if (request?.method !== 'hello') {
      this.fail(id, apiError('UNAUTHORIZED', 'the first request must be hello'));
      return;
    }
    const answer = this.checkHello(request.params);
    if (!answer.ok) {
      this.fail(request.id, answer.error);
      return;
    }
    this.state = 'open';
    this.helloTimer.cancel();
    this.options.log.debug({ connectionId: this.id }, 'IPC client authenticated');
    this.reply(request.id, answer.value);
  }

  private checkHello(rawParams: unknown): Result<HelloResult, ApiError> {
    const { router, log } = this.options;
    const def = router.lookup('hello');
    const params = def.ok ? router.validateParams(def.value, rawParams) : def;
    if (!params.ok) return err(apiError('UNAUTHORIZED', 'hello needs {token, protocol}'));
    const { token, protocol } = params.value as ParamsOf<'hello'>;
    if (!tokensEqual(token, this.options.token)) {
      log.warn({ connectionId: this.id }, 'IPC client presented a wrong token');
      return err(apiError('UNAUTHORIZED', 'wrong token'));
    }
    if (protocol !== PROTOCOL_VERSION) {
      return err(apiError('UNAUTHORIZED', `protocol ${protocol} is not supported; this daemon speaks ${PROTOCOL_VERSION}`));
    }
    return ok(this.options.hello());
  }

  private handleRequest(request: RequestMessage): void {
    const { router } = this.options;
    const def = router.lookup(request.method);
    if (!def.ok) {
      this.replyError(request.id, def.error);
      return;
    }
    if (def.value.name === 'hello') {
      const answer = this.checkHello(request.params);
      if (answer.ok) this.reply(request.id, answer.value);
      else this.fail(request.id, answer.error);
      return;
    }
    const params = router.validateParams(def.value, request.params);
    if (!params.ok) {
      this.replyError(request.id, params.error);
      return;
    }
    if (def.value.name === 'subscribe') {
      this.subscribe(request.id, params.value as ParamsOf<'subscribe'>);
      return;
    }
    if (this.inFlight >= this.options.limits.maxInFlight) {
      this.replyError(request.id, apiError('BUSY', `more than ${this.options.limits.maxInFlight} requests in flight on this connection`));
      return;
    }
    this.dispatch(request.id, def.value, params.value);
  }

  private dispatch(id: RequestId, def: MethodDef, params: unknown): void {
    const answer = this.options.router.call(def, params, { connectionId: this.id, signal: this.aborter.signal });
    if (!(answer instanceof Promise)) {
      this.answer(id, answer);
      return;
    }
    this.inFlight++;
    // The router turns every throw and rejection into INTERNAL, so this runs for every call.
    void answer.then((outcome) => {
      this.inFlight--;
      this.answer(id, outcome);
    });
  }

  private answer(id: RequestId, outcome: Result<unknown, ApiError>): void {
    if (outcome.ok) this.reply(id, outcome.value);
    else this.replyError(id, outcome.error);
  }

  private subscribe(id: RequestId, params: ParamsOf<'subscribe'>): void {
    this.topics.clear();
    for (const topic of params.topics) this.topics.add(topic);
    this.reply(id, { topics: [...this.topics] });
  }

  private reply(id: RequestId, result: unknown): void {
    if (result instanceof SerializedResult) {
      this.write(encodeSerializedReply(id, result.json));
      return;
    }
    this.write(encodeFrame({ id, result }));
  }

  private replyError(id: RequestId | null, error: ApiError): void {
    this.write(encodeFrame({ id, error }));
  }

  private write(frame: Buffer): void {
    if (this.closed) return;
    const { socket, limits, log } = this.options;
    socket.write(frame);
    if (socket.writableLength > limits.maxPendingWriteBytes) {
      log.warn({ connectionId: this.id, pendingBytes: socket.writableLength }, 'IPC client does not read its answers; dropping it');
      this.destroy();
    }
  }

  /** Answers with `error`, then closes once the answer is flushed; nothing more is read. */
  private fail(id: RequestId | null, error: ApiError): void {
    if (this.closed) return;
    this.dispose();
    const { socket } = this.options;
    socket.end(encodeFrame({ id, error }), () => socket.destroy());
  }
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
