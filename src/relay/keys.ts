import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { publicKeyToBase64 } from '../core/receipt.js';
import { err, ok, type Result } from '../core/result.js';

export interface RelayKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** base64 SPKI DER: what devices pin. */
  publicKeyBase64: string;
}

function fromPem(pem: string): RelayKey | null {
  try {
    const privateKey = createPrivateKey({ key: pem, format: 'pem' });
    if (privateKey.asymmetricKeyType !== 'ed25519') return null;
    const publicKey = createPublicKey(privateKey);
    return { privateKey, publicKey, publicKeyBase64: publicKeyToBase64(publicKey) };
  } catch {
    return null;
  }
}

/**
 * The relay's signing key: generated at first start, reused after. Devices pin its public key, so
 * losing or replacing the file orphans every enrolled device; it is never overwritten here.
 */
export function loadOrCreateRelayKey(keyFile: string): Result<RelayKey, string> {
  let pem: string | null = null;
  try {
    pem = readFileSync(keyFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return err(`the key file cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (pem !== null) {
    const key = fromPem(pem);
    if (!key) return err('the key file does not hold an Ed25519 private key (PKCS8 PEM)');
    // A copy restored from a backup may come back readable by others.
    chmodSync(keyFile, 0o600);
    return ok(key);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const created = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  try {
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
    // 'wx': two relays starting at once must not each write a different key.
    writeFileSync(keyFile, created, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateRelayKey(keyFile);
    return err(`the key file cannot be written (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const key = fromPem(created);
  return key ? ok(key) : err('the generated key cannot be read back');
}
