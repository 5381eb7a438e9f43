import type { Clock } from '../core/clock.js';
import { publicKeyToBase64, type ReceiptBody, type SignedReceipt } from '../core/receipt.js';
import type { DeviceAccountSummary, LeaseBody, WipeCommandBody, ZoomEventNotice } from '../core/wire.js';
import { enrollDevice, startLink, type LinkState, type RelayLink } from '../link/index.js';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { ControlDb } from '../store/index.js';
import type { EventBus } from './events.js';

const CREDENTIAL_KEY = 'relay.credential';
const enrolledKey = (accountKey: string): string => `relay.enrolled:${accountKey}`;

export interface RelayServiceOptions {
  relay: NonNullable<Config['relay']>;
  control: ControlDb;
  clock: Clock;
  log: Logger;
  events: EventBus;
  leaseDeadline: (accountKey: string) => number | null;
  onLease: (accountKey: string, lease: LeaseBody) => void;
  /** Wipes the local account(s) of the Zoom user named by a verified relay command. */
  onWipe: (accountKeys: string[], command: WipeCommandBody) => Promise<void>;
  /** Handles a Zoom event for the local account(s) of its user; true once handled (the relay then forgets it). */
  onZoomEvent: (accountKeys: string[], notice: ZoomEventNotice) => Promise<boolean>;
}

/**
 * The daemon's side of the relay: enrollment of each connected account, and the websocket that
 * brings leases, wipe commands and Zoom event notices, and takes receipts back.
 */
export class RelayService {
  private readonly link: RelayLink;
  private markCaughtUp!: () => void;
  private readonly caughtUpOnce = new Promise<void>((resolve) => (this.markCaughtUp = resolve));

  constructor(private readonly o: RelayServiceOptions) {
    const device = o.control.device();
    this.link = startLink({
      relayUrl: o.relay.url,
      relayPublicKey: o.relay.publicKey,
      deviceId: device.deviceId,
      credential: () => o.control.getMeta(CREDENTIAL_KEY),
      accounts: () => this.summaries(),
      onLease: (lease) => {
        for (const key of this.accountsOf(lease.zoomAccountId, lease.zoomUserId, true)) o.onLease(key, lease);
      },
      onWipe: async (command) => {
        await o.onWipe(this.accountsOf(command.zoomAccountId, command.zoomUserId, false), command);
        this.link.flushReceipts();
      },
      outbox: {
        unacked: () => o.control.receipts.unacked().map((r): SignedReceipt => ({ ...(JSON.parse(r.body) as ReceiptBody), signature: r.signature })),
        ack: (receiptId) => void o.control.receipts.ack(receiptId, o.clock.now()),
      },
      onZoomEvent: async (notice) => {
        const held = this.accountsOf(notice.zoomAccountId, notice.zoomUserId, true);
        // The user's data is gone from this device: nothing to fetch or delete, so it is done.
        return held.length === 0 || o.onZoomEvent(held, notice);
      },
      onCaughtUp: () => this.markCaughtUp(),
      onState: (state, since) => o.events.emit('link.state', { state, since }),
      clock: o.clock,
      log: o.log,
    });
  }

  get state(): { state: LinkState; since: number | null } {
    return { state: this.link.state, since: this.link.since };
  }

  /** Enrolls a freshly connected (or not yet enrolled) account with the relay, using its access token. */
  async enroll(accountKey: string, zoomAccessToken: string): Promise<void> {
    const { control } = this.o;
    const device = control.device();
    const result = await enrollDevice({
      relayUrl: this.o.relay.url,
      relayPublicKey: this.o.relay.publicKey,
      zoomAccessToken,
      deviceId: device.deviceId,
      devicePublicKey: publicKeyToBase64(device.publicKey),
      credential: control.getMeta(CREDENTIAL_KEY),
    });
    if (!result.ok) {
      this.o.log.warn({ account: accountKey, failure: result.error.kind, status: result.error.status ?? null }, 'relay enrollment failed; will retry after the next sync');
      return;
    }
    if (result.value.credential) control.setMeta(CREDENTIAL_KEY, result.value.credential);
    control.setMeta(enrolledKey(accountKey), String(this.o.clock.now()));
    this.o.onLease(accountKey, result.value.lease.body);
    this.o.log.info({ account: accountKey }, 'enrolled with the relay');
    this.link.refresh();
  }

  /**
   * Resolves true once the relay has delivered (and the daemon carried out) every wipe it held
   * for this device, or false after `timeoutMs` (the relay is unreachable: the lease protects).
   * Immediately false when the device is not enrolled.
   */
  caughtUp(timeoutMs: number): Promise<boolean> {
    if (this.o.control.getMeta(CREDENTIAL_KEY) === null) return Promise.resolve(false);
    return new Promise((resolve) => {
      // A network wait, in real time like the link's heartbeat: it decides no lease or expiry.
      const timer = setTimeout(() => resolve(false), timeoutMs);
      void this.caughtUpOnce.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  isEnrolled(accountKey: string): boolean {
    return this.o.control.getMeta(enrolledKey(accountKey)) !== null;
  }

  flushReceipts(): void {
    this.link.flushReceipts();
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  /**
   * Every account this device has known, wiped ones included: a wipe command for a user whose
   * data is already gone is still answered, with a receipt that says so.
   */
  private summaries(): DeviceAccountSummary[] {
    return this.o.control.accounts.list().map((a) => ({
      zoomAccountId: a.zoomAccountId,
      zoomUserId: a.zoomUserId,
      state: a.state,
      leaseDeadline: this.o.leaseDeadline(a.accountKey),
    }));
  }

  private accountsOf(zoomAccountId: string, zoomUserId: string, heldOnly: boolean): string[] {
    return this.o.control.accounts
      .list()
      .filter((a) => a.zoomAccountId === zoomAccountId && a.zoomUserId === zoomUserId && (!heldOnly || a.state === 'active' || a.state === 'needs-auth'))
      .map((a) => a.accountKey);
  }
}
