import { z } from 'zod';
import { publicKeyFromBase64 } from '../core/receipt.js';
import { err, ok, type Result } from '../core/result.js';
import type { EnrollRequest, EnrollResponse, LeaseBody, Signed } from '../core/wire.js';
import { signedLeaseSchema } from './messages.js';
import { relayEndpoint } from './relayUrls.js';
import type { LinkError } from './types.js';
import { checkLease } from './verify.js';

/** Enrollment waits on the relay and on Zoom behind it; longer than this, try again later. */
const ENROLL_TIMEOUT_MS = 30_000;

export interface EnrollOptions {
  relayUrl: string;
  /** The pinned relay key (base64 SPKI): the first lease must verify against it. */
  relayPublicKey: string;
  /** Sent once so the relay can ask Zoom who it belongs to; the relay does not keep it. */
  zoomAccessToken: string;
  deviceId: string;
  /** base64 SPKI DER of the device's receipt-signing key. */
  devicePublicKey: string;
  /** The device's relay credential, when it has one: needed to add a user to an enrolled device. */
  credential?: string | null;
  signal?: AbortSignal;
}

const enrollResponse = z.looseObject({
  deviceId: z.string().min(1),
  credential: z.string().min(1).max(200).nullable(),
  zoomAccountId: z.string().min(1).max(200),
  zoomUserId: z.string().min(1).max(200),
  lease: signedLeaseSchema,
});

const linkError = (kind: LinkError['kind'], message: string, status?: number): Result<never, LinkError> =>
  err(status === undefined ? { kind, message } : { kind, message, status });

function statusError(status: number): Result<never, LinkError> {
  if (status === 401) return linkError('unauthorized', 'Zoom did not accept the access token', status);
  if (status === 409) return linkError('conflict', 'the relay holds this device id under another credential or key', status);
  if (status === 400 || status === 413) return linkError('rejected', 'the relay refused the enrollment request', status);
  return linkError('unavailable', `the relay answered ${status}`, status);
}

/**
 * Enrolls this device for the Zoom user whose access token it holds (DESIGN.md "Relay
 * protocol"). The first lease is trusted only if it verifies against the pinned relay key and
 * names this device and the user the relay reports.
 */
export async function enrollDevice(o: EnrollOptions): Promise<Result<EnrollResponse, LinkError>> {
  const relayKey = publicKeyFromBase64(o.relayPublicKey);
  if (!relayKey) return linkError('untrusted', 'the pinned relay key is not a base64 SPKI Ed25519 key');
  const request: EnrollRequest = { zoomAccessToken: o.zoomAccessToken, deviceId: o.deviceId, devicePublicKey: o.devicePublicKey };
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (o.credential) headers.authorization = `Bearer ${o.credential}`;
  const timeout = AbortSignal.timeout(ENROLL_TIMEOUT_MS);
  let status: number;
  let text: string;
  try {
    const response = await fetch(relayEndpoint(o.relayUrl, '/v1/devices/enroll'), {
      method: 'POST',
      headers,
      body: JSON.stringify(request),
      signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout,
    });
    status = response.status;
    text = await response.text();
  } catch {
    if (o.signal?.aborted) return linkError('aborted', 'enrollment was cancelled');
    return linkError('unavailable', timeout.aborted ? 'the relay did not answer in time' : 'the relay cannot be reached');
  }
  if (status !== 200) return statusError(status);

  let parsed: ReturnType<typeof enrollResponse.safeParse>;
  try {
    parsed = enrollResponse.safeParse(JSON.parse(text));
  } catch {
    return linkError('untrusted', 'the relay answered with something that is not JSON', status);
  }
  if (!parsed.success) return linkError('untrusted', 'the relay answered with something that is not an enrollment', status);
  const response = parsed.data;
  const user = { zoomAccountId: response.zoomAccountId, zoomUserId: response.zoomUserId, state: 'enrolling', leaseDeadline: null };
  const lease = checkLease(response.lease as Signed<LeaseBody>, { relayKey, deviceId: o.deviceId, accounts: [user] });
  if (response.deviceId !== o.deviceId || !lease.ok) {
    return linkError('untrusted', `the relay's answer did not verify (${lease.ok ? 'other-device' : lease.error})`, status);
  }
  if (!o.credential && response.credential === null) return linkError('untrusted', 'the relay enrolled a new device without giving it a credential', status);
  return ok({ deviceId: response.deviceId, credential: response.credential, zoomAccountId: response.zoomAccountId, zoomUserId: response.zoomUserId, lease: response.lease as Signed<LeaseBody> });
}
