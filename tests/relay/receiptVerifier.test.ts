// The report and the compliance view check every receipt against its device's enrolled key,
// importing each key once per run: the answers must be the same as checking each one afresh.
import { describe, expect, it } from 'vitest';
import { ReceiptVerifier } from '../../src/relay/receiptVerifier.js';
import { newDeviceIdentity, receiptFrom, type TestDeviceIdentity } from './fixture.js';

const USER = { zoomAccountId: 'acct-1', zoomUserId: 'user-1' };

function receiptOf(device: TestDeviceIdentity, verified = true) {
  return receiptFrom(device, { ...USER, reason: 'deauthorized', verified });
}

describe('the receipt verifier', () => {
  it("accepts a verified wipe signed by the device's key and nothing else, however often it meets a key", () => {
    const [a, b] = [newDeviceIdentity(), newDeviceIdentity()];
    const verifier = new ReceiptVerifier();
    for (let round = 0; round < 2; round++) {
      expect(verifier.verifiedBy(receiptOf(a), a.publicKey)).toBe(true);
      expect(verifier.verifiedBy(receiptOf(a), b.publicKey)).toBe(false);
      expect(verifier.verifiedBy(receiptOf(b), b.publicKey)).toBe(true);
      expect(verifier.verifiedBy({ ...receiptOf(a), filesRemoved: 0 }, a.publicKey)).toBe(false);
      expect(verifier.verifiedBy(receiptOf(a, false), a.publicKey)).toBe(false);
      expect(verifier.verifiedBy(receiptOf(a), 'not a key')).toBe(false);
    }
  });

  it('answers the same when it meets more devices than it keeps keys for', () => {
    const devices = [newDeviceIdentity(), newDeviceIdentity(), newDeviceIdentity()];
    const verifier = new ReceiptVerifier(2);
    for (const device of [...devices, ...[...devices].reverse(), ...devices]) {
      expect(verifier.verifiedBy(receiptOf(device), device.publicKey)).toBe(true);
      const other = devices.find((d) => d !== device);
      expect(verifier.verifiedBy(receiptOf(device), other?.publicKey ?? '')).toBe(false);
    }
  });
});
