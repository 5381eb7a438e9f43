import type { WebSocket } from 'ws';
import type { Clock } from '../core/clock.js';
import type { SignedReceipt } from '../core/receipt.js';
import type { DeviceAccountSummary, LeaseBody, WipeCommandBody, ZoomEventNotice } from '../core/wire.js';
import type { Logger } from '../platform/logger.js';

/**
 * unverified: connected, but the relay has not yet proved it holds the pinned key (or failed to):
 * nothing it sends is accepted.
 */
export type LinkState = 'disabled' | 'connecting' | 'unverified' | 'online' | 'offline';

export interface LinkOptions {
  /** http(s)://...; the websocket URL is derived from it. */
  relayUrl: string;
  /** Pinned, base64 SPKI (config: relay.publicKey). Everything the relay signs is checked against it. */
  relayPublicKey: string;
  deviceId: string;
  /** null: not enrolled yet; the link stays 'disabled' until it exists (then call refresh()). */
  credential: () => string | null;
  accounts: () => DeviceAccountSummary[];
  /** Already verified: signature, device id, a known account, a span within the lease limit. */
  onLease: (lease: LeaseBody) => void;
  /** Already verified; the daemon wipes and puts the receipt in the outbox. */
  onWipe: (command: WipeCommandBody) => Promise<void>;
  outbox: { unacked(): SignedReceipt[]; ack(receiptId: string): void };
  /**
   * A Zoom event about an account this device has known. The link acks the notice when this
   * resolves true (handled); on false or a rejection the relay sends it again at the next connect.
   */
  onZoomEvent?: (notice: ZoomEventNotice) => Promise<boolean>;
  /** After each connect, once the relay's pending wipes have all been carried out. */
  onCaughtUp?: () => void;
  onState?: (state: LinkState, since: number) => void;
  clock: Clock;
  log: Logger;
  /** Jittered exponential backoff between connection attempts; default 1 s doubling up to 5 minutes. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Real-time ping interval; a relay that misses a pong for one interval is treated as gone. Default 30 000. */
  heartbeatMs?: number;
  /** Injectable, like tRPC's websocket client; default ws's WebSocket. */
  WebSocketImpl?: typeof WebSocket;
}

export interface RelayLink {
  readonly state: LinkState;
  /** clock.now() when the state last changed. */
  readonly since: number;
  /** Sends every unacknowledged receipt now (when online). */
  flushReceipts(): void;
  /** The credential or the accounts changed: connect if not connected, or ask for fresh leases. */
  refresh(): void;
  /** Closes the socket and cancels timers; idempotent. */
  stop(): Promise<void>;
}

export type LinkErrorKind =
  /** Zoom did not accept the access token (the grant is dead or the token expired). */
  | 'unauthorized'
  /** The device id is enrolled and the credential was missing, wrong, or the key differs. */
  | 'conflict'
  /** The relay refused the request as malformed. */
  | 'rejected'
  /** The relay's answer did not verify against the pinned key or did not match the request. */
  | 'untrusted'
  /** The relay (or Zoom behind it) could not be reached or failed; try again later. */
  | 'unavailable'
  | 'aborted';

export interface LinkError {
  kind: LinkErrorKind;
  message: string;
  /** The relay's HTTP status, when it answered. */
  status?: number;
}
