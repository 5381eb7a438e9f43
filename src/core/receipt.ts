import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { KeyCustody } from './custody.js';

// A deletion receipt: the device's signed statement that one account's data was wiped and the
// wipe verified. The relay checks it against the device key it enrolled; anyone holding the
// device's public key can check it later.

export const WIPE_REASONS = ['deauthorized', 'admin', 'dead-grant', 'lease-expired', 'user-purge', 'disconnect'] as const;
export type WipeReason = (typeof WIPE_REASONS)[number];

/**
 * How the data was erased (NIST SP 800-88 names). crypto-erase+overwrite: the vault's data key was
 * destroyed and the device key that had wrapped it replaced, so no copy of the vault anywhere can
 * be read, and then its files were overwritten and unlinked. overwrite: only the latter (a vault
 * with no key, or a device key that could not be replaced at the time).
 */
export const ERASE_METHODS = ['crypto-erase+overwrite', 'overwrite'] as const;
export type EraseMethod = (typeof ERASE_METHODS)[number];

export interface ReceiptBody {
  v: 1;
  id: string;
  deviceId: string;
  /** The relay command that asked for the wipe, when one did. */
  commandId: string | null;
  zoomAccountId: string;
  zoomUserId: string;
  reason: WipeReason;
  requestedAt: number;
  completedAt: number;
  filesRemoved: number;
  bytesRemoved: number;
  verified: boolean;
  /** Absent in receipts made before vaults were encrypted. */
  method?: EraseMethod;
  /** Where the device key was kept; null when the vault had no data key. */
  keyCustody?: KeyCustody | null;
}

export interface SignedReceipt extends ReceiptBody {
  /** base64 Ed25519 signature over canonicalJson(body). */
  signature: string;
}

/** JSON with keys sorted at every depth: the bytes that are signed do not depend on key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    return sorted;
  }
  return value;
}

export function bodyOf(receipt: SignedReceipt): ReceiptBody {
  const { signature: _signature, ...body } = receipt;
  return body;
}

export function signReceipt(body: ReceiptBody, privateKey: KeyObject): SignedReceipt {
  const signature = sign(null, Buffer.from(canonicalJson(body)), privateKey).toString('base64');
  return { ...body, signature };
}

export function verifyReceipt(receipt: SignedReceipt, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson(bodyOf(receipt))), publicKey, Buffer.from(receipt.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Ed25519 public keys travel as base64 SPKI DER (what the relay pins and the device reports). */
export function publicKeyFromBase64(spki: string): KeyObject | null {
  try {
    const key = createPublicKey({ key: Buffer.from(spki, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

export function publicKeyToBase64(key: KeyObject): string {
  return key.export({ format: 'der', type: 'spki' }).toString('base64');
}

export function privateKeyFromDer(pkcs8: Buffer): KeyObject {
  return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
}
