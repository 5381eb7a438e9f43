import { z } from 'zod';
import { KEY_CUSTODIES } from '../core/custody.js';
import { ERASE_METHODS, WIPE_REASONS } from '../core/receipt.js';
import type { DeviceToRelay } from '../core/wire.js';

// What a device may send. Objects are loose: later protocol versions add fields, and a receipt's
// signature covers every field the device put in it.

const id = z.string().min(1).max(200);

const receiptSchema = z.looseObject({
  v: z.literal(1),
  id,
  deviceId: id,
  commandId: id.nullable(),
  zoomAccountId: id,
  zoomUserId: id,
  reason: z.enum(WIPE_REASONS),
  requestedAt: z.number(),
  completedAt: z.number(),
  filesRemoved: z.number(),
  bytesRemoved: z.number(),
  verified: z.boolean(),
  method: z.enum(ERASE_METHODS).optional(),
  keyCustody: z.enum(KEY_CUSTODIES).nullable().optional(),
  signature: z.string().max(200),
});

const accountSummary = z.looseObject({
  zoomAccountId: id,
  zoomUserId: id,
  state: z.string().max(100),
  leaseDeadline: z.number().nullable(),
});

const deviceMessage = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('hello'),
    protocol: z.number().int(),
    deviceId: id,
    accounts: z.array(accountSummary).max(1000),
    challenge: z.string().min(1).max(200).optional(),
  }),
  z.looseObject({ type: z.literal('receipt'), receipt: receiptSchema }),
  z.looseObject({ type: z.literal('ack'), ref: z.string().max(200) }),
]);

export type ParsedDeviceMessage = { ok: true; message: DeviceToRelay } | { ok: false; problem: 'not-json' | 'unknown-type' | 'invalid' };

/** Parses one websocket frame; unknown types are told apart so they can be ignored quietly. */
export function parseDeviceMessage(text: string): ParsedDeviceMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not-json' };
  }
  const parsed = deviceMessage.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data as DeviceToRelay };
  const type = (value as { type?: unknown } | null)?.type;
  return { ok: false, problem: type === 'hello' || type === 'receipt' || type === 'ack' ? 'invalid' : 'unknown-type' };
}
