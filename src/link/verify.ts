import type { KeyObject } from 'node:crypto';
import { err, ok, type Result } from '../core/result.js';
import { linkProofBody, verifySigned, type DeviceAccountSummary, type LeaseBody, type LinkProofBody, type Signed, type WipeCommandBody } from '../core/wire.js';
import { MAX_LEASE_DAYS } from '../platform/config.js';

const DAY_MS = 86_400_000;

export type Rejection = 'bad-signature' | 'other-device' | 'unknown-account' | 'bad-lease-span';

export interface TrustContext {
  relayKey: KeyObject;
  deviceId: string;
  accounts: DeviceAccountSummary[];
}

function check<T extends { deviceId: string; zoomAccountId: string; zoomUserId: string }>(signed: Signed<T>, ctx: TrustContext): Result<T, Rejection> {
  if (!verifySigned(signed, ctx.relayKey)) return err('bad-signature');
  const { body } = signed;
  if (body.deviceId !== ctx.deviceId) return err('other-device');
  if (!ctx.accounts.some((a) => a.zoomAccountId === body.zoomAccountId && a.zoomUserId === body.zoomUserId)) return err('unknown-account');
  return ok(body);
}

/**
 * A lease is trusted when the pinned relay key signed it, for this device and an account it holds,
 * and it does not reach past the longest lease the product allows (a relay misconfigured or
 * compromised cannot keep data alive beyond Zoom's ten days).
 */
export function checkLease(signed: Signed<LeaseBody>, ctx: TrustContext): Result<LeaseBody, Rejection> {
  const checked = check(signed, ctx);
  if (!checked.ok) return checked;
  const span = checked.value.validUntil - checked.value.issuedAt;
  return span > 0 && span <= MAX_LEASE_DAYS * DAY_MS ? checked : err('bad-lease-span');
}

export function checkWipe(signed: Signed<WipeCommandBody>, ctx: TrustContext): Result<WipeCommandBody, Rejection> {
  return check(signed, ctx);
}

/**
 * The relay answered this connection's challenge with the pinned key. The signature is checked
 * over the statement the device expects (its own id, its own challenge, the relay-to-device
 * direction), whatever body the relay sent: a proof for an earlier challenge or another device
 * does not verify.
 */
export function checkLinkProof(proof: Signed<LinkProofBody> | undefined, relayKey: KeyObject, deviceId: string, challenge: string): boolean {
  return proof !== undefined && verifySigned({ body: linkProofBody(deviceId, challenge), signature: proof.signature }, relayKey);
}
