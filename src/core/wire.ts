import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson, type SignedReceipt } from './receipt.js';

// The relay protocol (DESIGN.md "Relay protocol"): the only types the relay and the daemon share.
// JSON over a websocket, versioned; later versions only add message types and fields.

export const RELAY_PROTOCOL = 1;

/** Relay -> device: the grant of one Zoom user was alive at `issuedAt`; hold the data until `validUntil`. */
export interface LeaseBody {
  v: 1;
  type: 'lease';
  deviceId: string;
  zoomAccountId: string;
  zoomUserId: string;
  issuedAt: number;
  validUntil: number;
}

/** Relay -> device: wipe this Zoom user's data now. Re-sent on every connect until a receipt arrives. */
export interface WipeCommandBody {
  v: 1;
  type: 'wipe';
  commandId: string;
  deviceId: string;
  zoomAccountId: string;
  zoomUserId: string;
  reason: 'deauthorized' | 'admin';
  issuedAt: number;
}

export interface Signed<T> {
  body: T;
  /** base64 Ed25519 signature by the relay's key over canonicalJson(body). */
  signature: string;
}

export type RelayToDevice =
  | { type: 'welcome'; protocol: number; serverTime: number }
  | { type: 'lease'; lease: Signed<LeaseBody> }
  | { type: 'wipe'; command: Signed<WipeCommandBody> }
  | { type: 'receipt-ack'; receiptId: string }
  | { type: 'sync-hint'; zoomAccountId: string; zoomUserId: string; event: string }
  /**
   * Sent after the greeting's leases and pending wipes: the device has everything the relay held
   * for it, so a daemon that waited for this at start serves nothing a pending wipe covers.
   */
  | { type: 'caught-up' };

/**
 * A Zoom event the relay keeps for a device until the device has handled it (relay protocol 2;
 * the contract of issue 12 between the relay and the daemon).
 */
export interface ZoomEventNotice {
  /** Assigned by the relay; unique per (device, Zoom event). The device acks it once handled. */
  noticeId: string;
  zoomAccountId: string;
  zoomUserId: string;
  /** Zoom's event name, e.g. 'meeting.ended', 'recording.completed', 'recording.trashed',
   *  'recording.deleted', and the Zoom Phone call-history events (completed / deleted). */
  event: string;
  /** Zoom's event_ts in ms (0 when Zoom sent none). */
  eventTs: number;
  /** Zoom's `payload.object`, unchanged: Zoom content, kept by the relay only until acked. */
  object: Record<string, unknown>;
}

export interface DeviceAccountSummary {
  zoomAccountId: string;
  zoomUserId: string;
  state: string;
  leaseDeadline: number | null;
}

export type DeviceToRelay =
  | { type: 'hello'; protocol: number; deviceId: string; accounts: DeviceAccountSummary[] }
  | { type: 'receipt'; receipt: SignedReceipt }
  /** The device applied a lease or accepted a wipe command (by command id or lease issue time). */
  | { type: 'ack'; ref: string };

/** POST /v1/devices/enroll: the device proves it holds a live Zoom grant for one user. */
export interface EnrollRequest {
  /** Used once by the relay to ask Zoom GET /users/me; never stored. */
  zoomAccessToken: string;
  deviceId: string;
  /** base64 SPKI DER of the device's Ed25519 key, which signs its receipts. */
  devicePublicKey: string;
}

export interface EnrollResponse {
  deviceId: string;
  /** Bearer credential for the websocket. Returned only when the device was not enrolled yet. */
  credential: string | null;
  zoomAccountId: string;
  zoomUserId: string;
  lease: Signed<LeaseBody>;
}

export function signBody<T>(body: T, privateKey: KeyObject): Signed<T> {
  return { body, signature: sign(null, Buffer.from(canonicalJson(body)), privateKey).toString('base64') };
}

export function verifySigned<T>(signed: Signed<T>, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson(signed.body)), publicKey, Buffer.from(signed.signature, 'base64'));
  } catch {
    return false;
  }
}
