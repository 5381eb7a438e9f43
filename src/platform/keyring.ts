import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../core/result.js';

// The OS credential store (macOS Keychain, Windows Credential Manager, the Secret Service on Linux)
// through @napi-rs/keyring, as values: a store that is absent, locked or failing is an outcome the
// caller shows, never an exception. Only secrets callvault made go in; nothing here is Zoom content.

/**
 * unavailable: no credential store answers (no session bus, no Secret Service provider, no login
 * keyring); locked: one answers but will not hand out secrets now (locked, an unlock prompt
 * dismissed or unanswered); failed: anything else it said.
 */
export interface CredentialStoreFailure {
  kind: 'unavailable' | 'locked' | 'failed';
  /** What the store said, safe to show: it never contains a secret. */
  detail: string;
}

export interface CredentialStore {
  /** null: no secret under that name. */
  get(name: string): Promise<Result<Buffer | null, CredentialStoreFailure>>;
  put(name: string, secret: Buffer): Promise<Result<void, CredentialStoreFailure>>;
  /** false: there was nothing under that name. */
  remove(name: string): Promise<Result<boolean, CredentialStoreFailure>>;
}

/**
 * How long one request may take. Unlocking a keyring may put a prompt on the screen, and an
 * unanswered prompt must not hold the daemon: past this, the store counts as locked for now.
 */
const REQUEST_TIMEOUT_MS = 10_000;

type KeyringModule = typeof import('@napi-rs/keyring');

let loaded: Promise<KeyringModule | null> | null = null;

/** Loaded on first use: an install whose keys live in a file never maps the library. */
function keyringModule(): Promise<KeyringModule | null> {
  loaded ??= import('@napi-rs/keyring').catch(() => null);
  return loaded;
}

/**
 * On Linux the Secret Service is reached over the D-Bus session bus, found through
 * DBUS_SESSION_BUS_ADDRESS or at $XDG_RUNTIME_DIR/bus. Without either (a headless box, a service
 * started before any session) nothing can answer, and the library, which costs a few MB and a
 * thread pool, is not loaded to find that out.
 */
export function noSessionBus(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux' || env.DBUS_SESSION_BUS_ADDRESS) return false;
  return !env.XDG_RUNTIME_DIR || !existsSync(join(env.XDG_RUNTIME_DIR, 'bus'));
}

/**
 * The credential store, with every secret under `service`. On Linux it is pinned to the Secret
 * Service: the library's default falls back to the kernel keyring, which forgets everything at
 * reboot, and a device key that vanishes at reboot would make every vault unreadable.
 */
export function osCredentialStore(service: string, timeoutMs = REQUEST_TIMEOUT_MS): CredentialStore {
  const request = async <T>(name: string, call: (entry: InstanceType<KeyringModule['AsyncEntry']>, signal: AbortSignal) => Promise<T>): Promise<Result<T, CredentialStoreFailure>> => {
    if (noSessionBus()) return err({ kind: 'unavailable', detail: 'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service' });
    const keyring = await keyringModule();
    if (!keyring) return err({ kind: 'unavailable', detail: `no credential store library for ${process.platform}/${process.arch}` });
    try {
      const entry = new keyring.AsyncEntry(service, name, { linux: { store: 'secret-service' } });
      return ok(await call(entry, AbortSignal.timeout(timeoutMs)));
    } catch (e) {
      return err(classify(e, timeoutMs));
    }
  };
  return {
    get: (name) =>
      request(name, async (entry, signal) => {
        const secret = await entry.getSecret(signal);
        return secret === null ? null : Buffer.from(secret);
      }),
    put: (name, secret) => request(name, (entry, signal) => entry.setSecret(secret, signal)),
    remove: (name) => request(name, (entry, signal) => entry.deleteCredential(signal)),
  };
}

const LOCKED = /locked|prompt|dismissed|user canceled|interaction not allowed/i;
const UNAVAILABLE = /dbus|d-bus|no result found|not available|no such|service unknown|no storage access|platform failure|autolaunch/i;

/** Sorts what the library threw: its errors are one generic class, told apart by message. */
export function classify(e: unknown, timeoutMs: number): CredentialStoreFailure {
  const name = (e as { name?: unknown }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'locked', detail: `no answer within ${timeoutMs / 1000} s (an unlock prompt waiting?)` };
  const detail = oneLine(e instanceof Error ? e.message : String(e));
  if (LOCKED.test(detail)) return { kind: 'locked', detail };
  if (UNAVAILABLE.test(detail)) return { kind: 'unavailable', detail };
  return { kind: 'failed', detail };
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
