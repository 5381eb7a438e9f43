import { randomBytes, type KeyObject } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import { systemClock, type TimerHandle } from '../core/clock.js';
import { publicKeyFromBase64 } from '../core/receipt.js';
import { RELAY_PROTOCOL, type DeviceToRelay, type RelayToDevice, type Signed, type WipeCommandBody, type ZoomEventNotice } from '../core/wire.js';
import { backoffDelay, backoffPolicy, type BackoffPolicy } from './backoff.js';
import { parseRelayMessage } from './messages.js';
import { deviceSocketUrl } from './relayUrls.js';
import type { LinkOptions, LinkState, RelayLink } from './types.js';
import { checkLease, checkLinkProof, checkWipe, type TrustContext } from './verify.js';

/** A connection that stayed up this long (on the link's clock) resets the backoff. */
const STABLE_CONNECTION_MS = 60_000;
const DEFAULT_HEARTBEAT_MS = 30_000;
const HANDSHAKE_TIMEOUT_MS = 15_000;
const MAX_MESSAGE_BYTES = 256 * 1024;
/** How long the relay gets to answer our close frame at stop() before the socket is cut. */
const CLOSE_GRACE_MS = 1_000;

function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString();
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.from(data).toString();
}

/** A fresh challenge per connection: 32 random bytes the relay must sign with the pinned key. */
function newChallenge(): string {
  return randomBytes(32).toString('base64');
}

/**
 * The daemon's websocket to the relay: says hello with a fresh challenge, accepts nothing until
 * the welcome proves the pinned key answered it (the link is 'unverified' until then), trusts only
 * leases and wipes that verify against that key, hands them and Zoom event notices to the daemon,
 * delivers receipts until acknowledged, and reconnects with jittered backoff. Heartbeats and close
 * grace run on real time (they measure the network); backoff and stability run on the injected
 * clock.
 */
class Link implements RelayLink {
  state: LinkState = 'disabled';
  since: number;
  private readonly relayKey: KeyObject;
  private readonly policy: BackoffPolicy;
  private readonly heartbeatMs: number;
  private readonly Impl: typeof WebSocket;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: TimerHandle | null = null;
  private heartbeat: TimerHandle | null = null;
  private alive = false;
  private onlineAt: number | null = null;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  /** This connection's challenge; null while no socket is open. */
  private challenge: string | null = null;
  /** Wipes being carried out, by command id: a re-sent command joins the running one. */
  private readonly wiping = new Map<string, Promise<void>>();
  /** Zoom event notices being handled, by notice id: one sent again meanwhile joins the running one. */
  private readonly noticing = new Map<string, Promise<void>>();

  constructor(private readonly o: LinkOptions) {
    const key = publicKeyFromBase64(o.relayPublicKey);
    // The config validates the pinned key; a bad one here is a caller's bug.
    if (!key) throw new TypeError('relayPublicKey is not a base64 SPKI Ed25519 key');
    this.relayKey = key;
    this.policy = backoffPolicy(o.backoff);
    this.heartbeatMs = o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.Impl = o.WebSocketImpl ?? WebSocket;
    this.since = o.clock.now();
    this.connect();
  }

  flushReceipts(): void {
    if (this.state !== 'online') return;
    for (const receipt of this.o.outbox.unacked()) this.send({ type: 'receipt', receipt });
  }

  refresh(): void {
    if (this.stopped) return;
    if (this.state === 'online') {
      this.sendHello();
    } else if (this.ws === null) {
      this.retryTimer?.cancel();
      this.retryTimer = null;
      this.connect();
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.retryTimer?.cancel();
      this.stopHeartbeat();
      const ws = this.ws;
      this.ws = null;
      if (ws && ws.readyState !== ws.CLOSED) {
        const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
        const cut = systemClock.setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
        if (ws.readyState === ws.CONNECTING) ws.terminate();
        else ws.close(1000, 'device stopping');
        await closed;
        cut.cancel();
      }
      this.setState('offline');
    })();
    return this.stopping;
  }

  private connect(): void {
    const credential = this.o.credential();
    if (credential === null) {
      this.setState('disabled');
      return;
    }
    this.setState('connecting');
    const ws = new this.Impl(deviceSocketUrl(this.o.relayUrl), {
      headers: { authorization: `Bearer ${credential}` },
      maxPayload: MAX_MESSAGE_BYTES,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    this.ws = ws;
    ws.on('open', () => {
      this.alive = true;
      this.challenge = newChallenge();
      this.setState('unverified');
      this.startHeartbeat(ws);
      this.sendHello();
    });
    ws.on('message', (data, isBinary) => {
      this.alive = true;
      if (isBinary) {
        this.o.log.warn('relay sent a binary frame; ignored');
        return;
      }
      this.handle(textOf(data));
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    // The message says what failed (refused, 401, timeout); it carries no secret.
    ws.on('error', (e) => this.o.log.warn({ err: e.message }, 'relay link error'));
    ws.on('close', (code) => this.onClose(ws, code));
  }

  private onClose(ws: WebSocket, code: number): void {
    if (this.ws !== ws) return;
    this.ws = null;
    this.challenge = null;
    this.stopHeartbeat();
    if (this.stopped) return;
    const stable = this.onlineAt !== null && this.o.clock.monotonic() - this.onlineAt >= STABLE_CONNECTION_MS;
    this.onlineAt = null;
    if (stable) this.attempt = 0;
    const delay = backoffDelay(this.attempt, this.policy);
    this.attempt += 1;
    this.o.log.info({ code, retryInMs: delay }, 'relay link closed');
    this.setState('offline');
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private startHeartbeat(ws: WebSocket): void {
    this.heartbeat = systemClock.setTimeout(() => {
      if (!this.alive) {
        this.o.log.warn('relay missed a pong; reconnecting');
        ws.terminate();
        return;
      }
      this.alive = false;
      ws.ping();
      this.startHeartbeat(ws);
    }, this.heartbeatMs);
  }

  private stopHeartbeat(): void {
    this.heartbeat?.cancel();
    this.heartbeat = null;
  }

  private sendHello(): void {
    if (this.challenge === null) return;
    this.send({ type: 'hello', protocol: RELAY_PROTOCOL, deviceId: this.o.deviceId, accounts: this.o.accounts(), challenge: this.challenge });
  }

  private send(message: DeviceToRelay): void {
    const ws = this.ws;
    if (ws && ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  private setState(state: LinkState): void {
    if (state === this.state) return;
    this.state = state;
    this.since = this.o.clock.now();
    this.o.onState?.(state, this.since);
  }

  private trust(): TrustContext {
    return { relayKey: this.relayKey, deviceId: this.o.deviceId, accounts: this.o.accounts() };
  }

  private handle(text: string): void {
    const parsed = parseRelayMessage(text);
    if (!parsed.ok) {
      this.o.log.warn({ problem: parsed.problem }, 'relay message ignored');
      return;
    }
    const message: RelayToDevice = parsed.message;
    if (this.state !== 'online') {
      // An impostor may say anything: before the proof, only a welcome that carries it counts.
      if (message.type === 'welcome') this.takeWelcome(message);
      else this.o.log.warn({ type: message.type }, 'relay message before the relay proved its key; ignored');
      return;
    }
    switch (message.type) {
      case 'welcome':
        // A later welcome on a verified connection answers a repeated hello (refresh()).
        this.flushReceipts();
        return;
      case 'lease': {
        const lease = checkLease(message.lease, this.trust());
        if (!lease.ok) {
          this.o.log.warn({ problem: lease.error, account: message.lease.body.zoomAccountId, user: message.lease.body.zoomUserId }, 'lease rejected');
          return;
        }
        this.o.onLease(lease.value);
        this.send({ type: 'ack', ref: String(lease.value.issuedAt) });
        return;
      }
      case 'wipe':
        this.takeWipe(message.command);
        return;
      case 'receipt-ack':
        this.o.outbox.ack(message.receiptId);
        return;
      case 'caught-up':
        void Promise.allSettled([...this.wiping.values()]).then(() => this.o.onCaughtUp?.());
        return;
      case 'sync-hint':
        // Sent to protocol-1 devices only; this one gets each event as a notice.
        return;
      case 'zoom-event':
        this.takeZoomEvent(message.notice);
        return;
    }
  }

  private takeWelcome(welcome: Extract<RelayToDevice, { type: 'welcome' }>): void {
    if (this.challenge === null || !checkLinkProof(welcome.proof, this.relayKey, this.o.deviceId, this.challenge)) {
      this.o.log.warn({ protocol: welcome.protocol, proof: welcome.proof !== undefined }, 'the relay did not prove the pinned key; the link stays unverified');
      return;
    }
    this.onlineAt = this.o.clock.monotonic();
    this.setState('online');
    this.flushReceipts();
  }

  private knows(zoomAccountId: string, zoomUserId: string): boolean {
    return this.o.accounts().some((a) => a.zoomAccountId === zoomAccountId && a.zoomUserId === zoomUserId);
  }

  /** Acks a notice once the daemon handled it; one for an account this device never had is acked at once. */
  private takeZoomEvent(notice: ZoomEventNotice): void {
    const { noticeId } = notice;
    const handle = this.o.onZoomEvent;
    if (!handle || this.noticing.has(noticeId)) return;
    if (!this.knows(notice.zoomAccountId, notice.zoomUserId)) {
      this.o.log.info({ notice: noticeId, event: notice.event }, 'Zoom event for an account this device never had; acknowledged');
      this.send({ type: 'ack', ref: noticeId });
      return;
    }
    const handling = handle(notice)
      .then((handled) => {
        // A notice handled after the link dropped is acked when the relay sends it again.
        if (handled && this.state === 'online') this.send({ type: 'ack', ref: noticeId });
      })
      .catch((e: unknown) => this.o.log.error({ notice: noticeId, event: notice.event, err: (e as Error).message }, 'Zoom event failed'))
      .finally(() => this.noticing.delete(noticeId));
    this.noticing.set(noticeId, handling);
  }

  private takeWipe(signed: Signed<WipeCommandBody>): void {
    const command = checkWipe(signed, this.trust());
    if (!command.ok) {
      this.o.log.warn({ problem: command.error, command: signed.body.commandId, account: signed.body.zoomAccountId, user: signed.body.zoomUserId }, 'wipe rejected');
      return;
    }
    const { commandId } = command.value;
    if (this.wiping.has(commandId)) return;
    this.send({ type: 'ack', ref: commandId });
    this.o.log.info({ command: commandId, reason: command.value.reason }, 'wipe command accepted');
    const wiping = this.o
      .onWipe(command.value)
      .catch((e: unknown) => this.o.log.error({ command: commandId, err: (e as Error).message }, 'wipe failed'))
      .finally(() => {
        this.wiping.delete(commandId);
        this.flushReceipts();
      });
    this.wiping.set(commandId, wiping);
  }
}

export function startLink(options: LinkOptions): RelayLink {
  return new Link(options);
}
