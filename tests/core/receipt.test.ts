import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, publicKeyFromBase64, publicKeyToBase64, signReceipt, verifyReceipt, type ReceiptBody } from '../../src/core/receipt.js';

const body: ReceiptBody = {
  v: 1,
  id: 'r1',
  deviceId: 'd1',
  commandId: null,
  zoomAccountId: 'acc',
  zoomUserId: 'usr',
  reason: 'user-purge',
  requestedAt: 1000,
  completedAt: 2000,
  filesRemoved: 3,
  bytesRemoved: 4096,
  verified: true,
};

describe('receipts', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');

  it('verify with the device public key, also after a round trip through JSON and base64 keys', () => {
    const receipt = signReceipt(body, privateKey);
    const travelled = JSON.parse(JSON.stringify(receipt));
    const key = publicKeyFromBase64(publicKeyToBase64(publicKey));
    expect(key).not.toBeNull();
    expect(verifyReceipt(travelled, key!)).toBe(true);
  });

  it('do not verify once any field is altered, or with another key', () => {
    const receipt = signReceipt(body, privateKey);
    expect(verifyReceipt({ ...receipt, bytesRemoved: 1 }, publicKey)).toBe(false);
    expect(verifyReceipt({ ...receipt, verified: false }, publicKey)).toBe(false);
    expect(verifyReceipt({ ...receipt, signature: 'AAAA' }, publicKey)).toBe(false);
    expect(verifyReceipt(receipt, generateKeyPairSync('ed25519').publicKey)).toBe(false);
  });

  it('sign the same bytes whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe('{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}');
  });

  it('refuse keys that are not Ed25519 public keys', () => {
    expect(publicKeyFromBase64('not a key')).toBeNull();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(publicKeyFromBase64(publicKeyToBase64(rsa))).toBeNull();
  });
});
