import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { canonicalJson } from '../core/receipt.js';
import type { Logger } from '../platform/logger.js';
import type { CloudCopyDeleter } from './cloudCopy.js';
import type { DeviceHub } from './deviceHub.js';
import { errorReply, parseJson, readBody, reply, sha256Hex } from './httpIo.js';
import type { Deauthorization, Ledger, MakeWipe, ZoomEventRecord } from './ledger.js';
import type { RouteOutcome } from './router.js';
import type { RelaySigner } from './signer.js';
import type { WebhookVerifier } from './webhookAuth.js';

const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * Zoom stamps a deauthorization with its clock, the relay stamps an enrollment with its own: a
 * deauthorization spares only pairs enrolled more than this after it, so a skew between the two
 * clocks never saves a grant the deauthorization ended.
 */
export const ENROLLMENT_CLOCK_ALLOWANCE_MS = 60_000;

export interface WebhookDeps {
  verifier: WebhookVerifier;
  ledger: Ledger;
  signer: RelaySigner;
  hub: DeviceHub;
  cloudCopies: CloudCopyDeleter;
  clock: Clock;
  log: Logger;
}

const zoomId = z.string().min(1).max(200);

/** Only `event` is needed to route; anything else Zoom adds or changes is read leniently below. */
const envelope = z.looseObject({ event: z.string().min(1).max(200), event_ts: z.unknown().optional(), payload: z.unknown().optional() });

const urlValidation = z.looseObject({ plainToken: z.string().min(1).max(1024) });

/**
 * Zoom's shapes vary (the old guide, a 2025 capture and Zoom's current example differ: event_ts at
 * the top or inside the payload, a number or a string; user_data_retention present, null or gone).
 * Only the user is required; a field of an unexpected type is ignored rather than refused.
 */
const deauthorization = z.looseObject({
  account_id: zoomId,
  user_id: zoomId,
  deauthorization_time: z.string().max(100).optional().catch(undefined),
  signature: z.string().max(1000).optional().catch(undefined),
  user_data_retention: z.union([z.boolean(), z.string().max(100), z.null()]).optional().catch(undefined),
  event_ts: z.union([z.number(), z.string().max(100)]).optional().catch(undefined),
});

/**
 * The Zoom events each of the user's devices gets as a notice, and the field of `payload.object`
 * that names the user (zoom/rivet-javascript's MeetingEndedEvent, RecordingCompletedEvent,
 * RecordingTrashedEvent, RecordingDeletedEvent, PhoneCallerCallHistoryCompletedEvent,
 * PhoneCalleeCallHistoryCompletedEvent, PhoneCallHistoryDeletedEvent).
 */
export const FORWARDED_EVENTS: ReadonlyMap<string, 'host_id' | 'user_id'> = new Map([
  ['meeting.ended', 'host_id'],
  ['recording.completed', 'host_id'],
  ['recording.trashed', 'host_id'],
  ['recording.deleted', 'host_id'],
  ['phone.caller_call_history_completed', 'user_id'],
  ['phone.callee_call_history_completed', 'user_id'],
  ['phone.call_history_deleted', 'user_id'],
]);

const forwardedPayload = z.looseObject({ account_id: zoomId, object: z.record(z.string(), z.unknown()) });

const NAIVE_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * A Zoom time in ms: ISO-8601, a date and time without a zone (UTC, as in Zoom's own
 * app_deauthorized example "2024-09-08 15:58:40"), or ms since the epoch. Null when unreadable.
 */
export function zoomTime(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : null;
  if (typeof value !== 'string') return null;
  const time = Date.parse(NAIVE_DATE_TIME.test(value) ? `${value.replace(' ', 'T')}Z` : value);
  return Number.isFinite(time) ? time : null;
}

/**
 * POST /zoom/webhook: the signature first (a bad one, a stale timestamp or an oversize body change
 * nothing), then the event. Zoom never retries a 4xx, so a correctly signed delivery is always
 * answered 200: what the relay cannot use is kept for an operator instead of refused.
 */
export async function handleWebhook(req: IncomingMessage, deps: WebhookDeps): Promise<RouteOutcome> {
  const body = await readBody(req, WEBHOOK_BODY_LIMIT);
  if (!body.ok) {
    return body.error === 'too-large'
      ? { ...errorReply(413, 'TOO_LARGE', `the body exceeds ${WEBHOOK_BODY_LIMIT} bytes`), unreadBody: true }
      : errorReply(400, 'BAD_REQUEST', 'the body was cut short');
  }
  const verified = deps.verifier.verify(req.headers, body.value);
  if (!verified.ok) {
    deps.log.warn({ problem: verified.error }, 'webhook refused');
    return errorReply(401, 'UNAUTHORIZED', 'the webhook signature is missing or wrong, or its timestamp is outside the accepted window');
  }
  return handleSigned(body.value, deps);
}

async function handleSigned(raw: Buffer, deps: WebhookDeps): Promise<RouteOutcome> {
  const parsed = parseJson(raw);
  const event = parsed && envelope.safeParse(parsed.value);
  if (!event?.success) return keepForOperator(raw, null, 'the body is not a Zoom event', deps);
  const { event: name, payload } = event.data;
  switch (name) {
    case 'endpoint.url_validation': {
      const validation = urlValidation.safeParse(payload);
      if (!validation.success) return keepForOperator(raw, name, 'endpoint.url_validation without a plainToken', deps);
      const { plainToken } = validation.data;
      return reply(200, { plainToken, encryptedToken: deps.verifier.encryptToken(plainToken) });
    }
    case 'app_deauthorized': {
      const deauth = deauthorization.safeParse(payload);
      if (!deauth.success) return keepForOperator(raw, name, 'app_deauthorized without a readable account_id and user_id', deps);
      return deauthorize(deauth.data, event.data.event_ts, deps);
    }
    default: {
      const userField = FORWARDED_EVENTS.get(name);
      if (userField) return forward(raw, name, userField, event.data, deps);
      deps.log.info({ event: name }, 'webhook event ignored');
      return reply(200, { received: true });
    }
  }
}

/**
 * Records the deauthorization and its wipe commands before answering, so a crash after the 200
 * loses nothing; pushing to devices and the cloud-copy deletion happen after the answer. Ordered by
 * Zoom's deauthorization time: a grant enrolled after it (a re-install) is not touched.
 */
async function deauthorize(p: z.infer<typeof deauthorization>, envelopeTs: unknown, deps: WebhookDeps): Promise<RouteOutcome> {
  const now = deps.clock.now();
  // Zoom's retries repeat the payload, whose `signature` names this deauthorization instance.
  const identity: unknown[] = [p.account_id, p.user_id, p.deauthorization_time ?? null, p.signature ?? null];
  // Without either, event_ts is what is left; without that too, each delivery counts as a new
  // event, which is harmless: a second record finds the devices pending and wipes nothing again.
  if (p.deauthorization_time === undefined && p.signature === undefined) identity.push(p.event_ts ?? envelopeTs ?? `received ${now}`);
  const event: Deauthorization = {
    eventKey: sha256Hex(JSON.stringify(identity)),
    zoomAccountId: p.account_id,
    zoomUserId: p.user_id,
    deauthorizedAt: zoomTime(p.deauthorization_time) ?? zoomTime(p.event_ts) ?? zoomTime(envelopeTs) ?? now,
    userDataRetention: p.user_data_retention ?? null,
    receivedAt: now,
  };
  const makeWipe: MakeWipe = (target) => deps.signer.wipe(target.deviceId, target, 'deauthorized');
  const commands = await deps.ledger.recordDeauthorization(event, makeWipe, event.deauthorizedAt + ENROLLMENT_CLOCK_ALLOWANCE_MS);
  if (commands === null) {
    deps.log.info({ event: event.eventKey }, 'deauthorization seen before; nothing to do');
    return reply(200, { received: true });
  }
  deps.log.info({ event: event.eventKey, account: event.zoomAccountId, user: event.zoomUserId, commands: commands.length }, 'deauthorization recorded');
  return {
    ...reply(200, { received: true }),
    after: () => {
      deps.hub.push(commands);
      deps.cloudCopies.start(event);
    },
  };
}

/** Holds the event for each active device of the user (deduplicated by its content) and pushes it to those connected. */
async function forward(raw: Buffer, name: string, userField: 'host_id' | 'user_id', body: z.infer<typeof envelope>, deps: WebhookDeps): Promise<RouteOutcome> {
  const payload = forwardedPayload.safeParse(body.payload);
  const userId = payload.success ? payload.data.object[userField] : undefined;
  if (!payload.success || typeof userId !== 'string' || !zoomId.safeParse(userId).success) {
    return keepForOperator(raw, name, `${name} without a readable account_id and payload.object.${userField}`, deps);
  }
  const { account_id: zoomAccountId, object } = payload.data;
  const eventTs = typeof body.event_ts === 'number' && Number.isFinite(body.event_ts) ? body.event_ts : 0;
  const record: ZoomEventRecord = {
    eventKey: sha256Hex(canonicalJson([name, zoomAccountId, eventTs, object])),
    zoomAccountId,
    zoomUserId: userId,
    event: name,
    eventTs,
    object,
    receivedAt: deps.clock.now(),
  };
  const held = await deps.ledger.recordZoomEvent(record);
  if (held === null) {
    deps.log.info({ event: name, key: record.eventKey }, 'Zoom event seen before; nothing to do');
    return reply(200, { received: true });
  }
  deps.log.info({ event: name, account: zoomAccountId, user: userId, devices: held.length }, 'Zoom event held for devices');
  return { ...reply(200, { received: true }), after: () => deps.hub.zoomEvents(held) };
}

async function keepForOperator(raw: Buffer, event: string | null, problem: string, deps: WebhookDeps): Promise<RouteOutcome> {
  const id = sha256Hex(raw);
  await deps.ledger.keepUnusableEvent({ id, receivedAt: deps.clock.now(), event, problem, body: raw.toString('utf8') });
  deps.log.warn({ id, event, problem }, 'signed webhook the relay cannot use; kept for an operator');
  return reply(200, { received: true });
}
