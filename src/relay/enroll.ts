import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { randomId } from '../core/ids.js';
import { publicKeyFromBase64 } from '../core/receipt.js';
import type { EnrollResponse } from '../core/wire.js';
import type { Logger } from '../platform/logger.js';
import { bearerOf, errorReply, parseJson, readBody, reply, sha256Hex } from './httpIo.js';
import type { DeviceRecord, Ledger } from './ledger.js';
import type { RouteOutcome } from './router.js';
import type { RelaySigner } from './signer.js';
import { zoomUserOf } from './zoomIdentity.js';

const ENROLL_BODY_LIMIT = 16 * 1024;

export interface EnrollDeps {
  ledger: Ledger;
  signer: RelaySigner;
  clock: Clock;
  log: Logger;
  zoomApiUrl: string;
}

const enrollRequest = z.looseObject({
  zoomAccessToken: z.string().min(1).max(8192),
  deviceId: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/),
  devicePublicKey: z.string().min(1).max(1024),
});

function holdsCredential(req: IncomingMessage, device: DeviceRecord): boolean {
  const credential = bearerOf(req);
  return credential !== null && timingSafeEqual(Buffer.from(sha256Hex(credential)), Buffer.from(device.credentialHash));
}

/**
 * POST /v1/devices/enroll. Zoom vouches for the user; the device's credential vouches for the
 * device once it exists. Enrolling a user again (a re-install, a new login) is a fresh grant: it
 * makes the pair active and supersedes wipes left from an earlier deauthorization.
 */
export async function handleEnroll(req: IncomingMessage, deps: EnrollDeps): Promise<RouteOutcome> {
  const body = await readBody(req, ENROLL_BODY_LIMIT);
  if (!body.ok) return body.error === 'too-large' ? { ...errorReply(413, 'TOO_LARGE', 'the body is too large'), unreadBody: true } : errorReply(400, 'BAD_REQUEST', 'the body was cut short');
  const parsed = parseJson(body.value);
  const request = parsed && enrollRequest.safeParse(parsed.value);
  if (!request?.success) {
    const field = request?.error.issues[0]?.path.join('.');
    return errorReply(400, 'BAD_REQUEST', field ? `invalid field: ${field}` : 'the body is not an enrollment request');
  }
  const { zoomAccessToken, deviceId, devicePublicKey } = request.data;
  if (!publicKeyFromBase64(devicePublicKey)) return errorReply(400, 'BAD_REQUEST', 'devicePublicKey is not a base64 SPKI Ed25519 key');

  const existing = await deps.ledger.device(deviceId);
  if (existing && !holdsCredential(req, existing)) return errorReply(409, 'CONFLICT', 'this device is enrolled; present its credential to add a user');
  if (existing && existing.publicKey !== devicePublicKey) return errorReply(409, 'CONFLICT', 'this device is enrolled with another key');

  const user = await zoomUserOf(deps.zoomApiUrl, zoomAccessToken);
  if (!user.ok) {
    deps.log.info({ device: deviceId, problem: user.error }, 'enrollment refused by Zoom');
    return user.error === 'unauthorized' ? errorReply(401, 'UNAUTHORIZED', 'Zoom did not accept the access token') : errorReply(502, 'UNAVAILABLE', 'Zoom could not be asked; try again');
  }

  const now = deps.clock.now();
  let credential: string | null = null;
  if (!existing) {
    credential = randomId(32);
    const added = await deps.ledger.addDevice({ deviceId, publicKey: devicePublicKey, credentialHash: sha256Hex(credential), enrolledAt: now });
    if (!added) return errorReply(409, 'CONFLICT', 'this device is enrolled; present its credential to add a user');
  }
  await deps.ledger.enrollUser(deviceId, user.value, now);
  const lease = deps.signer.lease(deviceId, user.value);
  await deps.ledger.recordLease(lease.body);
  deps.log.info({ device: deviceId, account: user.value.zoomAccountId, user: user.value.zoomUserId, newDevice: !existing }, 'device enrolled');
  const response: EnrollResponse = { deviceId, credential, zoomAccountId: user.value.zoomAccountId, zoomUserId: user.value.zoomUserId, lease };
  return reply(200, response);
}
