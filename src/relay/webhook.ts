import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../platform/logger.js';
import type { CloudCopyDeleter } from './cloudCopy.js';
import type { DeviceHub } from './deviceHub.js';
import { errorReply, parseJson, readBody, reply, sha256Hex, type JsonReply } from './httpIo.js';
import type { Deauthorization, Ledger } from './ledger.js';
import type { RouteOutcome } from './router.js';
import type { RelaySigner } from './signer.js';
import type { WebhookVerifier } from './webhookAuth.js';

const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface WebhookDeps {
  verifier: WebhookVerifier;
  ledger: Ledger;
  signer: RelaySigner;
  hub: DeviceHub;
  cloudCopies: CloudCopyDeleter;
  clock: Clock;
  log: Logger;
}

const envelope = z.looseObject({ event: z.string(), event_ts: z.number().optional(), payload: z.unknown().optional() });

const urlValidation = z.looseObject({ plainToken: z.string().min(1).max(1024) });

const deauthorization = z.looseObject({
  account_id: z.string().min(1).max(200),
  user_id: z.string().min(1).max(200),
  deauthorization_time: z.string().max(100).optional(),
  signature: z.string().max(1000).optional(),
  user_data_retention: z.union([z.boolean(), z.string().max(100), z.null()]).optional(),
});

/**
 * Events after which the user has new history at Zoom: the relay forwards them to the user's
 * devices as sync hints, so they sync now instead of at the next scheduled run. Zoom names the
 * user as the meeting's host, or the phone user, in `payload.object`.
 */
export const HINT_EVENTS = new Set(['meeting.ended', 'recording.completed', 'phone.caller_call_history_completed', 'phone.callee_call_history_completed']);

const historyEvent = z.looseObject({
  account_id: z.string().min(1).max(200),
  object: z.looseObject({ host_id: z.string().min(1).max(200).optional(), user_id: z.string().min(1).max(200).optional() }),
});

const badPayload = (event: string): JsonReply => errorReply(400, 'BAD_REQUEST', `the ${event} payload is not what Zoom sends`);

/** POST /zoom/webhook: signature first, then JSON, then the event. */
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
    return errorReply(401, 'UNAUTHORIZED', 'the webhook signature is missing, wrong, stale or replayed');
  }
  const parsed = parseJson(body.value);
  const event = parsed && envelope.safeParse(parsed.value);
  if (!event?.success) return errorReply(400, 'BAD_REQUEST', 'the body is not a Zoom event');

  switch (event.data.event) {
    case 'endpoint.url_validation': {
      const payload = urlValidation.safeParse(event.data.payload);
      if (!payload.success) return badPayload('endpoint.url_validation');
      const { plainToken } = payload.data;
      return reply(200, { plainToken, encryptedToken: deps.verifier.encryptToken(plainToken) });
    }
    case 'app_deauthorized': {
      const payload = deauthorization.safeParse(event.data.payload);
      if (!payload.success) return badPayload('app_deauthorized');
      return deauthorize(payload.data, event.data.event_ts, deps);
    }
    default:
      if (HINT_EVENTS.has(event.data.event)) return hint(event.data.event, event.data.payload, deps);
      deps.log.info({ event: event.data.event }, 'webhook event ignored');
      return reply(200, { received: true });
  }
}

/**
 * Records the deauthorization and its wipe commands before answering, so a crash after the 200
 * loses nothing; pushing to devices and the cloud-copy deletion happen after the answer.
 */
async function deauthorize(p: z.infer<typeof deauthorization>, eventTs: number | undefined, deps: WebhookDeps): Promise<RouteOutcome> {
  const now = deps.clock.now();
  const parsedTime = p.deauthorization_time ? Date.parse(p.deauthorization_time) : Number.NaN;
  const event: Deauthorization = {
    // Zoom's retries repeat the payload; `signature` names this deauthorization instance.
    eventKey: sha256Hex(JSON.stringify([p.account_id, p.user_id, p.deauthorization_time ?? null, p.signature ?? null])),
    zoomAccountId: p.account_id,
    zoomUserId: p.user_id,
    deauthorizedAt: Number.isFinite(parsedTime) ? parsedTime : (eventTs ?? now),
    userDataRetention: p.user_data_retention ?? null,
    receivedAt: now,
  };
  const commands = await deps.ledger.recordDeauthorization(event, (target) => deps.signer.wipe(target.deviceId, target, 'deauthorized'));
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

async function hint(eventName: string, payload: unknown, deps: WebhookDeps): Promise<RouteOutcome> {
  const parsed = historyEvent.safeParse(payload);
  const zoomUserId = parsed.success ? (parsed.data.object.host_id ?? parsed.data.object.user_id) : undefined;
  if (!parsed.success || !zoomUserId) {
    // A hint is an optimization: answering 200 keeps Zoom from retrying what cannot be used.
    deps.log.info({ event: eventName }, 'history event without a user; ignored');
    return reply(200, { ok: true });
  }
  const user = { zoomAccountId: parsed.data.account_id, zoomUserId };
  const sent = deps.hub.hint(await deps.ledger.activeDevices(user), user.zoomAccountId, user.zoomUserId, eventName);
  deps.log.info({ event: eventName, account: user.zoomAccountId, user: user.zoomUserId, devices: sent }, 'sync hint forwarded');
  return reply(200, { ok: true });
}
