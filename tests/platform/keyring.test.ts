import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, noSessionBus, osCredentialStore } from '../../src/platform/keyring.js';

describe('the OS credential store, as values', () => {
  it('on Linux, knows without the library that no session bus means no Secret Service', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'cv-run-'));
    try {
      expect(noSessionBus({}, 'linux')).toBe(true);
      expect(noSessionBus({ XDG_RUNTIME_DIR: runtime }, 'linux')).toBe(true);
      writeFileSync(join(runtime, 'bus'), '');
      expect(noSessionBus({ XDG_RUNTIME_DIR: runtime }, 'linux')).toBe(false);
      expect(noSessionBus({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' }, 'linux')).toBe(false);
      expect(noSessionBus({}, 'darwin')).toBe(false);
      expect(noSessionBus({}, 'win32')).toBe(false);
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });

  it('sorts what the store says into unavailable, locked and failed', () => {
    expect(classify(new Error('Platform failure: DBus error: Failed to connect to socket /run/bus: No such file or directory'), 10_000).kind).toBe('unavailable');
    expect(classify(new Error("Couldn't access platform storage: Secret Service: no result found"), 10_000).kind).toBe('unavailable');
    expect(classify(new Error("Couldn't access platform storage: Secret Service: unlock prompt was dismissed"), 10_000).kind).toBe('locked');
    expect(classify(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 10_000)).toEqual({ kind: 'locked', detail: 'no answer within 10 s (an unlock prompt waiting?)' });
    expect(classify(new Error('Attribute value too long'), 10_000).kind).toBe('failed');
    expect(classify(new Error('x'.repeat(500)), 10_000).detail.length).toBeLessThanOrEqual(200);
  });

  it.skipIf(process.platform !== 'linux')('with no bus reachable, every request is an `unavailable` value, never a throw', async () => {
    const saved = { bus: process.env.DBUS_SESSION_BUS_ADDRESS, runtime: process.env.XDG_RUNTIME_DIR };
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.XDG_RUNTIME_DIR = join(tmpdir(), 'cv-no-such-runtime');
    try {
      const store = osCredentialStore('callvault-test');
      for (const answer of [await store.get('x'), await store.put('x', Buffer.alloc(32)), await store.remove('x')]) {
        expect(answer).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
      }
    } finally {
      if (saved.bus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved.bus;
      if (saved.runtime === undefined) delete process.env.XDG_RUNTIME_DIR;
      else process.env.XDG_RUNTIME_DIR = saved.runtime;
    }
  });
});
