import type { KeyObject } from 'node:crypto';
import { publicKeyFromBase64, verifyReceipt, type SignedReceipt } from '../core/receipt.js';

/**
 * How many devices' keys one verifier keeps imported. The auditor's report meets a device again
 * for each of its users and each deauthorization; beyond this the least recently used key is
 * imported again when needed, so the report's memory stays bounded on any number of devices.
 */
const KEYS_KEPT = 1_024;

/**
 * Checks receipts against the devices' enrolled keys, importing each key once: importing an
 * Ed25519 key costs about as much as verifying a signature with it. One per report run or request.
 */
export class ReceiptVerifier {
  /** By the key's base64 SPKI text; null for text that is not an Ed25519 key. */
  private readonly keys = new Map<string, KeyObject | null>();

  constructor(private readonly capacity = KEYS_KEPT) {}

  /** The device's enrolled key signed the receipt, and the device verified the wipe. */
  verifiedBy(receipt: SignedReceipt, devicePublicKey: string): boolean {
    const key = this.key(devicePublicKey);
    return receipt.verified && key !== null && verifyReceipt(receipt, key);
  }

  private key(text: string): KeyObject | null {
    let key = this.keys.get(text);
    if (key === undefined) {
      key = publicKeyFromBase64(text);
      const oldest = this.keys.size >= this.capacity ? this.keys.keys().next().value : undefined;
      if (oldest !== undefined) this.keys.delete(oldest);
    } else {
      // Re-inserted below: a Map iterates in insertion order, so the first key is the least recently used.
      this.keys.delete(text);
    }
    this.keys.set(text, key);
    return key;
  }
}
