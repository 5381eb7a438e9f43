import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, exited, waitFor } from '../helpers/daemonHarness.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function cli(home: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, CALLVAULT_HOME: home };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 30_000 });
}

/** What a vendor does with the demo relay's settings: sign webhooks as Zoom does, from outside the demo. */
async function sendsSignedWebhooksFromOutside(home: string, out: string): Promise<void> {
  const file = join(home, 'relay.json');
  expect(out).toContain(`webhook secret, admin token and port: ${file}`);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const relay = JSON.parse(readFileSync(file, 'utf8')) as { url: string; port: number; webhookUrl: string; webhookSecretToken: string; adminToken: string };
  expect(relay.webhookUrl).toBe(`http://127.0.0.1:${relay.port}/zoom/webhook`);

  // Zoom's scheme: x-zm-signature = v0= + hex HMAC-SHA256(secret token, `v0:{timestamp}:{raw body}`).
  const post = (body: string, secret: string, timestamp = String(Math.floor(Date.now() / 1000))): Promise<Response> =>
    fetch(relay.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': timestamp, 'x-zm-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}` },
      body,
    });
  const plainToken = 'vendor-check-1';
  const validation = JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken }, event_ts: Date.now() });
  const answer = await post(validation, relay.webhookSecretToken);
  expect(answer.status).toBe(200);
  expect(await answer.json()).toEqual({ plainToken, encryptedToken: createHmac('sha256', relay.webhookSecretToken).update(plainToken).digest('hex') });
  // The relay checks the signature: a wrong secret is refused.
  expect((await post(validation.replace('check-1', 'check-2'), 'not-the-secret')).status).toBe(401);
  // The admin token opens the compliance ledger.
  const pending = await fetch(`${relay.url}/v1/compliance?status=pending`, { headers: { authorization: `Bearer ${relay.adminToken}` } });
  expect(pending.status).toBe(200);
}

describe('the demo (npm start)', () => {
  let home: string;
  let demo: ChildProcess | null = null;
  afterEach(async () => {
    if (demo?.pid !== undefined && demo.exitCode === null && demo.signalCode === null) {
      // A failed test: the demo and the daemon it started go together, as one process group.
      const ended = exited(demo);
      process.kill(-demo.pid, 'SIGKILL');
      await ended;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('reaches "synced", answers the CLI through the pasted alias, takes webhooks signed from outside, tells the deauthorization story, and Ctrl-C leaves no process behind', async () => {
    home = mkdtempSync(join(tmpdir(), 'cv-demo-'));
    const env: NodeJS.ProcessEnv = { ...process.env, CALLVAULT_HOME: home };
    // No display: the demo must work on a headless machine (the tray is not started).
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    // Its own process group, so a failed test can end the demo with everything it started.
    demo = spawn(process.execPath, [BIN, 'demo'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    demo.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    demo.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => out.includes('Ctrl-C here stops everything'), 90_000, 50).catch(() => {
      throw new Error(`the demo did not get ready:\n${out}`);
    });
    expect(out).toMatch(/synced: [1-9]\d* meetings/);
    // The user-managed path: what such an app sees, said plainly.
    expect(out).toMatch(/as a user-managed Zoom app: Meetings: complete since \d{4}-\d{2}-\d{2}; earlier: scheduled and recurring meetings Zoom still lists/);

    const status = cli(home, 'status', '--json');
    expect(status.status).toBe(0);
    const parsed = JSON.parse(status.stdout) as { pid: number; link: { state: string }; accounts: Array<{ state: string; counts: { meetings: number }; history: { meetingsCompleteSince: number | null; calls: string } }> };
    expect(parsed.accounts[0]?.state).toBe('active');
    expect(parsed.accounts[0]?.counts.meetings).toBeGreaterThan(0);
    expect(parsed.accounts[0]?.history).toMatchObject({ meetingsCompleteSince: expect.any(Number), calls: 'available' });
    expect(cli(home, 'status').stdout).toMatch(/a_[0-9a-f]{24}: Meetings: complete since/);
    const daemonPid = parsed.pid;
    expect(alive(daemonPid)).toBe(true);
    await waitFor(() => cli(home, 'status', '--json').stdout.includes('"state": "online"'), 20_000, 200);

    // The two lines the demo says to paste make `callvault` work in a second terminal.
    const paste = /paste these two lines first:\n\n {2}(.+)\n {2}(.+)\n/.exec(out);
    expect(paste, out).not.toBeNull();
    const pasted = spawnSync('bash', ['-O', 'expand_aliases', '-c', `${paste![1]}\n${paste![2]}\ncallvault status --json`], { env: { PATH: process.env.PATH, HOME: home }, encoding: 'utf8', timeout: 30_000 });
    expect(pasted.status, pasted.stderr).toBe(0);
    expect((JSON.parse(pasted.stdout) as { pid: number }).pid).toBe(daemonPid);

    await sendsSignedWebhooksFromOutside(home, out);

    const meetings = cli(home, 'meetings', '--limit', '3');
    expect(meetings.status).toBe(0);
    expect(meetings.stdout.split('\n')[0]).toMatch(/^START\s+MIN\s+TOPIC/);

    const deauth = cli(home, 'demo', 'deauth');
    expect(deauth.status, deauth.stdout + deauth.stderr).toBe(0);
    expect(deauth.stdout).toMatch(/the daemon wiped account a_[0-9a-f]{24}/);
    expect(deauth.stdout).toMatch(/ledger says: device \S+ wiped, receipt signature verified/);

    demo.kill('SIGINT');
    expect(await exited(demo)).toBe(0);
    expect(alive(daemonPid)).toBe(false);
    expect(cli(home, 'status').status).toBe(3);
  });
});
