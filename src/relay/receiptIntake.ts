import { publicKeyFromBase64, verifyReceipt, type SignedReceipt } from '../core/receipt.js';
import { err, ok, type Result } from '../core/result.js';
import type { DeviceRecord, Ledger } from './ledger.js';

export type ReceiptRejection = 'other-device' | 'bad-signature' | 'unknown-command' | 'unknown-user';

/**
 * Checks a receipt before the ledger takes it: signed by the device's enrolled key, about this
 * device, and answering one of its commands or naming a user enrolled on it. `settles` tells
 * whether it proves the pair's data gone: the device verified the wipe, and it does not answer a
 * command that a later enrollment (a fresh grant) superseded. `commandIssuedAt`: when the command it
 * answers was issued.
 */
export async function checkReceipt(
  ledger: Ledger,
  device: DeviceRecord,
  receipt: SignedReceipt,
): Promise<Result<{ settles: boolean; commandIssuedAt: number | null }, ReceiptRejection>> {
  if (receipt.deviceId !== device.deviceId) return err('other-device');
  const key = publicKeyFromBase64(device.publicKey);
  if (!key || !verifyReceipt(receipt, key)) return err('bad-signature');
  if (receipt.commandId !== null) {
    const record = await ledger.command(receipt.commandId);
    const body = record?.command.body;
    if (!record || !body || body.deviceId !== device.deviceId || body.zoomAccountId !== receipt.zoomAccountId || body.zoomUserId !== receipt.zoomUserId) {
      return err('unknown-command');
    }
    return ok({ settles: receipt.verified && record.state !== 'superseded', commandIssuedAt: body.issuedAt });
  }
  if (!(await ledger.isEnrolled(device.deviceId, receipt))) return err('unknown-user');
  return ok({ settles: receipt.verified, commandIssuedAt: null });
}
