import { z } from 'zod';
import type { RelayToDevice } from '../core/wire.js';

// What the relay may send, checked before anything is trusted. Objects are loose: later protocol
// versions add fields, and the relay's signature covers every field of a body.

const id = z.string().min(1).max(200);
const time = z.number().int().nonnegative();

const leaseBodySchema = z.looseObject({
  v: z.literal(1),
  type: z.literal('lease'),
  deviceId: id,
  zoomAccountId: id,
  zoomUserId: id,
  issuedAt: time,
  validUntil: time,
});

const wipeBodySchema = z.looseObject({
  v: z.literal(1),
  type: z.literal('wipe'),
  commandId: id,
  deviceId: id,
  zoomAccountId: id,
  zoomUserId: id,
  reason: z.enum(['deauthorized', 'admin']),
  issuedAt: time,
});

const noticeSchema = z.looseObject({
  noticeId: id,
  zoomAccountId: id,
  zoomUserId: id,
  event: z.string().min(1).max(200),
  eventTs: z.number(),
  object: z.record(z.string(), z.unknown()),
});

export const signedLeaseSchema = z.looseObject({ body: leaseBodySchema, signature: z.string().max(200) });
const signedWipeSchema = z.looseObject({ body: wipeBodySchema, signature: z.string().max(200) });

const relayMessage = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('welcome'),
    protocol: z.number().int(),
    serverTime: z.number(),
    // Only the signature counts: it is checked over the statement the device itself expects.
    proof: z.looseObject({ signature: z.string().max(200) }).optional(),
  }),
  z.looseObject({ type: z.literal('lease'), lease: signedLeaseSchema }),
  z.looseObject({ type: z.literal('wipe'), command: signedWipeSchema }),
  z.looseObject({ type: z.literal('receipt-ack'), receiptId: id }),
  z.looseObject({ type: z.literal('sync-hint'), zoomAccountId: id, zoomUserId: id, event: z.string().max(200) }),
  z.looseObject({ type: z.literal('zoom-event'), notice: noticeSchema }),
  z.looseObject({ type: z.literal('caught-up') }),
]);

const KNOWN_TYPES = new Set(['welcome', 'lease', 'wipe', 'receipt-ack', 'sync-hint', 'zoom-event', 'caught-up']);

export type ParsedRelayMessage = { ok: true; message: RelayToDevice } | { ok: false; problem: 'not-json' | 'unknown-type' | 'invalid' };

export function parseRelayMessage(text: string): ParsedRelayMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not-json' };
  }
  const parsed = relayMessage.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data as RelayToDevice };
  const type = (value as { type?: unknown } | null)?.type;
  return { ok: false, problem: typeof type === 'string' && KNOWN_TYPES.has(type) ? 'invalid' : 'unknown-type' };
}
