import type { KeyObject } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { linkProofBody, signBody, type LeaseBody, type LinkProofBody, type Signed, type WipeCommandBody } from '../core/wire.js';
import type { ZoomUser } from './ledger.js';

export const DAY_MS = 86_400_000;
/** How long a lease holds a device's data unless the config says otherwise. */
export const DEFAULT_LEASE_DAYS = 7;

/** Issues the relay's signed statements, stamped with the relay's clock. */
export class RelaySigner {
  constructor(
    private readonly privateKey: KeyObject,
    private readonly clock: Clock,
    private readonly leaseMs: number,
  ) {}

  lease(deviceId: string, user: ZoomUser): Signed<LeaseBody> {
    const issuedAt = this.clock.now();
    return signBody<LeaseBody>(
      { v: 1, type: 'lease', deviceId, zoomAccountId: user.zoomAccountId, zoomUserId: user.zoomUserId, issuedAt, validUntil: issuedAt + this.leaseMs },
      this.privateKey,
    );
  }

  /** Answers a device's challenge: the proof that this relay holds the key the device pinned. */
  linkProof(deviceId: string, challenge: string): Signed<LinkProofBody> {
    return signBody(linkProofBody(deviceId, challenge), this.privateKey);
  }

  wipe(deviceId: string, user: ZoomUser, reason: WipeCommandBody['reason']): Signed<WipeCommandBody> {
    return signBody<WipeCommandBody>(
      {
        v: 1,
        type: 'wipe',
        commandId: newId(),
        deviceId,
        zoomAccountId: user.zoomAccountId,
        zoomUserId: user.zoomUserId,
        reason,
        issuedAt: this.clock.now(),
      },
      this.privateKey,
    );
  }
}
