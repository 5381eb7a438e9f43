import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runRelayCommand } from '../../src/relay/index.js';
import { ADMIN_TOKEN, SECRET, waitFor } from './fixture.js';

function capture(signal?: AbortSignal) {
  const out: string[] = [];
  const errors: string[] = [];
  return {
    out,
    errors,
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => errors.push(t) }, signal },
  };
}

describe('callvault relay', () => {
  let dir: string;
  const config = (fields: Record<string, unknown>): string => {
    const file = join(dir, 'relay.json');
    writeFileSync(file, JSON.stringify(fields));
    return file;
  };
  const good = { webhookSecretToken: SECRET, adminToken: ADMIN_TOKEN, zoomApiUrl: 'http://127.0.0.1:9', leaseDays: 7 };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cv-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints one JSON line with its url and public key, serves, and exits 0 when stopped', async () => {
    const stop = new AbortController();
    const { out, io } = capture(stop.signal);
    const running = runRelayCommand(['--port', '0', '--data-dir', join(dir, 'data'), '--config', config(good)], io);
    const line = await waitFor(() => out[0], 'the listening line');
    const { url, publicKey } = JSON.parse(line) as { url: string; publicKey: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/v1/compliance?status=pending`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    stop.abort();
    expect(await running).toBe(0);

    const printed = capture();
    expect(await runRelayCommand(['--print-public-key', '--data-dir', join(dir, 'data')], printed.io)).toBe(0);
    expect(printed.out).toEqual([`${publicKey}\n`]);
  });

  it('refuses a bad config with exit code 2 and a message naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, leaseDays: 12 }, 'leaseDays'],
      [{ ...good, adminToken: 'short' }, 'adminToken'],
      [{ ...good, zoomApiUrl: 'ftp://zoom' }, 'zoomApiUrl'],
      [{ ...good, webhookSecret: 'typo' }, 'webhookSecret'],
      [{ adminToken: ADMIN_TOKEN }, 'webhookSecretToken'],
    ];
    for (const [fields, named] of cases) {
      const { errors, io } = capture(AbortSignal.abort());
      expect(await runRelayCommand(['--data-dir', dir, '--config', config(fields)], io)).toBe(2);
      expect(errors.join('')).toContain(named);
    }
    const { errors, io } = capture();
    expect(await runRelayCommand(['--data-dir', dir], io)).toBe(2);
    expect(errors.join('')).toContain('--config');
  });

  it('prints the public key, creating the key when needed, and the same key every time', async () => {
    const first = capture();
    const second = capture();
    expect(await runRelayCommand(['--print-public-key', '--data-dir', dir], first.io)).toBe(0);
    expect(await runRelayCommand(['--print-public-key', '--data-dir', dir], second.io)).toBe(0);
    expect(first.out[0]).toMatch(/^[A-Za-z0-9+/]+=*\n$/);
    expect(second.out).toEqual(first.out);
  });
});
