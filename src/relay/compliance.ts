import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { SignedReceipt } from '../core/receipt.js';
import type { Logger } from '../platform/logger.js';
import type { DeviceHub } from './deviceHub.js';
import { errorReply, parseJson, readBody, reply } from './httpIo.js';
import { DEVICE_USER_STATUSES, UNUSABLE_BODY_KEPT_MS, type ComplianceDevice, type DeviceUserStatus, type KeptUnusableEvent, type Ledger } from './ledger.js';
import { ReceiptVerifier } from './receiptVerifier.js';
import type { RouteOutcome, RouteRequest } from './router.js';
import { DAY_MS, type RelaySigner } from './signer.js';

// The compliance ledger over HTTP (admin token): per Zoom user, what happened to each device's
// copy, and the open obligations with the deadline by which each device wipes itself at the latest;
// and the operator's tools beside it: a wipe of a user, and the webhooks the relay could not use.

export interface ComplianceDeps {
  ledger: Ledger;
  signer: RelaySigner;
  hub: DeviceHub;
  log: Logger;
}

export interface ComplianceDeviceView {
  deviceId: string;
  status: DeviceUserStatus;
  leaseDeadline: number | null;
  receipt: SignedReceipt | null;
  /** Checked again on every read: the device's enrolled key signed it, and the device verified the wipe. */
  receiptVerified: boolean;
}

function deviceView(device: ComplianceDevice, verifier: ReceiptVerifier): ComplianceDeviceView {
  const receiptVerified = device.receipt !== null && verifier.verifiedBy(device.receipt, device.devicePublicKey);
  return { deviceId: device.deviceId, status: device.status, leaseDeadline: device.leaseDeadline, receipt: device.receipt, receiptVerified };
}

/** GET /v1/compliance/:zoomAccountId/:zoomUserId */
export async function userCompliance({ params }: RouteRequest, deps: ComplianceDeps): Promise<RouteOutcome> {
  const record = await deps.ledger.compliance({ zoomAccountId: params.zoomAccountId ?? '', zoomUserId: params.zoomUserId ?? '' });
  if (!record) return errorReply(404, 'NOT_FOUND', 'the relay knows nothing of this Zoom user');
  const verifier = new ReceiptVerifier();
  return reply(200, { ...record, devices: record.devices.map((device) => deviceView(device, verifier)) });
}

const statusQuery = z.enum(DEVICE_USER_STATUSES);

/** GET /v1/compliance?status=pending (the default): one row per device and Zoom user. */
export async function listByStatus({ query }: RouteRequest, deps: ComplianceDeps): Promise<RouteOutcome> {
  const status = statusQuery.safeParse(query.get('status') ?? 'pending');
  if (!status.success) return errorReply(400, 'BAD_REQUEST', `status must be one of ${DEVICE_USER_STATUSES.join(', ')}`);
  return reply(200, { status: status.data, items: await deps.ledger.obligations(status.data) });
}

export interface UnusableEventView extends KeptUnusableEvent {
  /** For the operator: until when the body (Zoom content) is kept, or when it was dropped. */
  bodyRetention: string;
}

function unusableView(event: KeptUnusableEvent): UnusableEventView {
  const limit = `Zoom content is kept at most ${UNUSABLE_BODY_KEPT_MS / DAY_MS} days`;
  const bodyRetention =
    event.bodyDroppedAt === null
      ? `body kept until ${new Date(event.receivedAt + UNUSABLE_BODY_KEPT_MS).toISOString()} (${limit})`
      : `body dropped at ${new Date(event.bodyDroppedAt).toISOString()} (${limit}); this record stays until dismissed`;
  return { ...event, bodyRetention };
}

/** GET /v1/admin/unusable-events: correctly signed webhooks the relay could not use, oldest first. */
export async function listUnusable(_request: RouteRequest, deps: ComplianceDeps): Promise<RouteOutcome> {
  return reply(200, { items: (await deps.ledger.unusableEvents()).map(unusableView) });
}

/** DELETE /v1/admin/unusable-events/:id: the operator handled it (its body is Zoom content). */
export async function dismissUnusable({ params }: RouteRequest, deps: ComplianceDeps): Promise<RouteOutcome> {
  const id = params.id ?? '';
  if (!(await deps.ledger.dismissUnusableEvent(id))) return errorReply(404, 'NOT_FOUND', 'no unusable event has this id');
  deps.log.info({ id }, 'unusable event dismissed');
  return reply(200, { dismissed: id });
}

const wipeRequest = z.strictObject({ zoomAccountId: z.string().min(1).max(200), zoomUserId: z.string().min(1).max(200) });

/** POST /v1/admin/wipe: a wipe with reason 'admin' for every active device of the user. */
export async function adminWipe(req: IncomingMessage, deps: ComplianceDeps): Promise<RouteOutcome> {
  const body = await readBody(req, 16 * 1024);
  if (!body.ok) return errorReply(400, 'BAD_REQUEST', 'the body is too large or cut short');
  const parsed = parseJson(body.value);
  const request = parsed && wipeRequest.safeParse(parsed.value);
  if (!request?.success) return errorReply(400, 'BAD_REQUEST', 'expected {"zoomAccountId", "zoomUserId"}');
  const user = request.data;
  if (!(await deps.ledger.knowsUser(user))) return errorReply(404, 'NOT_FOUND', 'the relay knows nothing of this Zoom user');
  const commands = await deps.ledger.issueWipes(user, (target) => deps.signer.wipe(target.deviceId, user, 'admin'));
  deps.log.info({ account: user.zoomAccountId, user: user.zoomUserId, commands: commands.length }, 'admin wipe issued');
  return {
    ...reply(200, { commands: commands.map((c) => ({ commandId: c.body.commandId, deviceId: c.body.deviceId })) }),
    after: () => deps.hub.push(commands),
  };
}
