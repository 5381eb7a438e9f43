import type { WebSocket } from 'ws';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import type { SignedReceipt } from '../core/receipt.js';
import { RELAY_PROTOCOL, type DeviceToRelay, type RelayToDevice, type Signed, type WipeCommandBody, type ZoomEventNotice } from '../core/wire.js';
import type { Logger } from '../platform/logger.js';
import { LedgerUnavailableError, type DeviceRecord, type Ledger } from './ledger.js';
import { parseDeviceMessage } from './messages.js';
import type { RelayMetrics } from './metrics.js';
import { checkReceipt } from './receiptIntake.js';
import type { RelaySigner } from './signer.js';

/** A connected device renews its leases this often, long before a 7-day lease could run out. */
const LEASE_RENEW_MS = 60 * 60_000;
/** How long a closing device gets to answer the close frame before its socket is cut. */
const CLOSE_GRACE_MS = 1_000;

export interface SessionDeps {
  ledger: Ledger;
  signer: RelaySigner;
  clock: Clock;
  log: Logger;
  metrics: RelayMetrics;
}

type Hello = Extract<DeviceToRelay, { type: 'hello' }>;

/** Protocol 2 brings Zoom events as notices; an older device gets a sync hint instead. */
const NOTICES_SINCE_PROTOCOL = 2;

/**
 * One device's websocket: answers hello with welcome (and the proof its challenge asks for),
 * leases, pending wipes and held Zoom event notices; takes receipts and acks. Messages are handled
 * one at a time, in order, so a receipt is never processed before the hello that preceded it.
 */
export class DeviceSession {
  /** Set by a pong or any message; the hub's heartbeat clears it and terminates a silent link. */
  alive = true;
  private greeted = false;
  /** The version this session speaks: the device's, up to the relay's. */
  private protocol = 1;
  private queue: Promise<void> = Promise.resolve();
  private renewTimer: TimerHandle | null = null;
  /** Wipe commands and notices sent on this connection: a wake, a push and the greeting may all find the same one. */
  private readonly sentCommands = new Set<string>();
  private readonly sentNotices = new Set<string>();
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    readonly device: DeviceRecord,
    private readonly deps: SessionDeps,
  ) {
    ws.on('message', (data, isBinary) => {
      this.alive = true;
      if (isBinary) {
        this.deps.log.warn({ device: device.deviceId }, 'binary frame ignored');
        return;
      }
      const text = Buffer.isBuffer(data) ? data.toString() : Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data).toString();
      this.enqueue(() => this.handle(text), 'device message failed');
    });
    ws.on('pong', () => {
      this.alive = true;
    });
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    void this.closed.then(() => this.stopRenewing());
  }

  /** Sends a wipe command issued while the device is connected; before its hello, the hello fetches it. */
  push(command: Signed<WipeCommandBody>): void {
    if (this.greeted) this.sendWipe(command);
  }

  /** Another relay instance recorded work for this device: sends what the ledger holds that this connection has not sent. */
  catchUp(): void {
    this.enqueue(async () => {
      if (this.greeted) await this.sendPending();
    }, 'catching up failed');
  }

  /** Sends a notice recorded while the device is connected; before its hello, the hello fetches it. */
  zoomEvent(notice: ZoomEventNotice): void {
    if (!this.greeted) return;
    this.enqueue(() => this.deliver([notice]), 'zoom event delivery failed');
  }

  ping(): void {
    this.alive = false;
    this.ws.ping();
  }

  terminate(): void {
    this.stopRenewing();
    this.ws.terminate();
  }

  close(code: number, reason: string): void {
    this.stopRenewing();
    this.ws.close(code, reason);
  }

  /**
   * Sends a close frame and waits for the socket to close; a device that does not answer is cut
   * off after a short grace. Real time: it bounds a network wait and decides nothing else.
   */
  async shutdown(): Promise<void> {
    this.close(1001, 'relay shutting down');
    const cut = systemClock.setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    await this.closed;
    cut.cancel();
    await this.queue;
  }

  /**
   * Runs `work` after everything queued before it; a failure is logged and does not stop the queue.
   * When the ledger is unreachable the device is asked to reconnect later: it then sends its
   * unacknowledged receipts and hears its pending wipes again.
   */
  private enqueue(work: () => Promise<void>, failure: string): void {
    this.queue = this.queue.then(work).catch((e: unknown) => {
      this.deps.log.error({ device: this.device.deviceId, err: (e as Error).message }, failure);
      if (e instanceof LedgerUnavailableError) this.close(1013, 'ledger unavailable; try again later');
    });
  }

  private stopRenewing(): void {
    this.renewTimer?.cancel();
    this.renewTimer = null;
  }

  private async handle(text: string): Promise<void> {
    const parsed = parseDeviceMessage(text);
    const deviceId = this.device.deviceId;
    if (!parsed.ok) {
      this.deps.log.warn({ device: deviceId, problem: parsed.problem }, 'device message ignored');
      return;
    }
    const message: DeviceToRelay = parsed.message;
    switch (message.type) {
      case 'hello':
        if (message.deviceId !== deviceId) {
          this.deps.log.warn({ device: deviceId }, 'hello names another device; closing');
          this.close(1008, 'device id does not match the credential');
          return;
        }
        return this.greet(message);
      case 'receipt':
        return this.takeReceipt(message.receipt);
      case 'ack': {
        // A lease's or a wipe's ack needs nothing; a notice's deletes it.
        const notice = await this.deps.ledger.ackNotice(deviceId, message.ref);
        this.deps.log.debug({ device: deviceId, ref: message.ref, notice }, 'device acknowledged');
        return;
      }
    }
  }

  /**
   * welcome (with the proof the challenge asks for), a fresh lease per active user, every wipe
   * still waiting for its receipt, the held Zoom event notices, caught-up.
   */
  private async greet(hello: Hello): Promise<void> {
    const { signer, clock } = this.deps;
    // Before reading the ledger: a wipe or notice recorded meanwhile is pushed rather than missed.
    this.greeted = true;
    // A hello gets everything pending, even what this connection was sent before.
    this.sentCommands.clear();
    this.sentNotices.clear();
    this.protocol = Math.max(1, Math.min(hello.protocol, RELAY_PROTOCOL));
    const proof = hello.challenge === undefined ? undefined : signer.linkProof(this.device.deviceId, hello.challenge);
    this.send({ type: 'welcome', protocol: this.protocol, serverTime: clock.now(), ...(proof && { proof }) });
    await this.sendLeases();
    await this.sendPending();
    this.send({ type: 'caught-up' });
    this.scheduleRenewal();
  }

  /** Every wipe still waiting for its receipt and every held notice, except those this connection was sent already. */
  private async sendPending(): Promise<void> {
    const { ledger } = this.deps;
    for (const command of await ledger.openCommands(this.device.deviceId)) this.sendWipe(command);
    await this.deliver(await ledger.heldNotices(this.device.deviceId));
  }

  /**
   * Notices as they are; to a protocol-1 device, one sync hint per user instead, and the notices
   * are dropped: that device could never ack them, and they hold Zoom content.
   */
  private async deliver(notices: ZoomEventNotice[]): Promise<void> {
    if (this.protocol >= NOTICES_SINCE_PROTOCOL) {
      for (const notice of notices) {
        if (this.sentNotices.has(notice.noticeId)) continue;
        this.sentNotices.add(notice.noticeId);
        this.send({ type: 'zoom-event', notice });
      }
      return;
    }
    const hinted = new Set<string>();
    for (const { noticeId, zoomAccountId, zoomUserId, event } of notices) {
      const user = JSON.stringify([zoomAccountId, zoomUserId]);
      if (!hinted.has(user)) this.send({ type: 'sync-hint', zoomAccountId, zoomUserId, event });
      hinted.add(user);
      await this.deps.ledger.ackNotice(this.device.deviceId, noticeId);
    }
  }

  private async sendLeases(): Promise<void> {
    const { ledger, signer } = this.deps;
    for (const user of await ledger.activeUsers(this.device.deviceId)) {
      const lease = signer.lease(this.device.deviceId, user);
      await ledger.recordLease(lease.body);
      this.send({ type: 'lease', lease });
    }
  }

  private scheduleRenewal(): void {
    this.stopRenewing();
    this.renewTimer = this.deps.clock.setTimeout(() => {
      this.enqueue(async () => {
        await this.sendLeases();
        this.scheduleRenewal();
      }, 'lease renewal failed');
    }, LEASE_RENEW_MS);
  }

  private async takeReceipt(receipt: SignedReceipt): Promise<void> {
    const { ledger, clock, log } = this.deps;
    const checked = await checkReceipt(ledger, this.device, receipt);
    if (!checked.ok) {
      log.warn({ device: this.device.deviceId, receipt: receipt.id, problem: checked.error }, 'receipt rejected');
      return;
    }
    const outcome = await ledger.recordReceipt(receipt, checked.value.settles, clock.now());
    if (outcome === 'stored' && checked.value.commandIssuedAt !== null) this.deps.metrics.receiptStored(checked.value.commandIssuedAt);
    log.info(
      { device: this.device.deviceId, receipt: receipt.id, command: receipt.commandId, reason: receipt.reason, settles: checked.value.settles, outcome },
      'receipt stored',
    );
    this.send({ type: 'receipt-ack', receiptId: receipt.id });
  }

  private sendWipe(command: Signed<WipeCommandBody>): void {
    if (this.sentCommands.has(command.body.commandId)) return;
    this.sentCommands.add(command.body.commandId);
    this.send({ type: 'wipe', command });
  }

  private send(message: RelayToDevice): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }
}
