// A relay wired to a Zoom simulator, in a temp folder, for relay and link tests. The simulator
// posts its webhooks to the relay; the relay asks the simulator who a token belongs to.

import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { Clock } from '../../src/core/clock.js';
import { newId } from '../../src/core/ids.js';
import { publicKeyToBase64, signReceipt, type ReceiptBody, type SignedReceipt } from '../../src/core/receipt.js';
import type { EnrollResponse, RelayToDevice } from '../../src/core/wire.js';
import { startRelay, type CloudCopy, type Relay, type RelayOptions } from '../../src/relay/index.js';
import { signZoomWebhook, startSimulator, type Simulator, type SimUser } from '../../src/sim/index.js';
import { login } from '../sim/helpers.js';

export const SECRET = 'zoom-secret-token-for-tests';
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const DAY_MS = 86_400_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface World {
  dir: string;
  sim: Simulator;
  relay: Relay;
  users: SimUser[];
  options: RelayOptions;
  /** Closes the relay and starts it again on the same port, folder and key. */
  restartRelay(): Promise<void>;
  close(): Promise<void>;
}

export interface WorldOptions {
  clock?: Clock;
  cloudCopy?: CloudCopy;
  leaseDays?: number;
  heartbeatMs?: number;
  /** Default: sqlite in the world's folder. */
  ledger?: string;
  metricsToken?: string;
}

export function must<T, E>(result: { ok: true; value: T } | { ok: false; error: E }): T {
  if (!result.ok) throw new Error(`unexpected error: ${JSON.stringify(result.error)}`);
  return result.value;
}

export async function startWorld(o: WorldOptions = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'cv-'));
  const port = await freePort();
  const sim = await startSimulator({
    clock: o.clock,
    accounts: [{ plan: 'pro', users: [{}, {}] }],
    webhook: { url: `http://127.0.0.1:${port}/zoom/webhook`, secretToken: SECRET },
  });
  const options: RelayOptions = {
    port,
    dataDir: dir,
    webhookSecretToken: SECRET,
    adminToken: ADMIN_TOKEN,
    zoomApiUrl: sim.url,
    clock: o.clock,
    cloudCopy: o.cloudCopy,
    leaseDays: o.leaseDays,
    heartbeatMs: o.heartbeatMs,
    ledger: o.ledger,
    metricsToken: o.metricsToken,
  };
  const world: World = {
    dir,
    sim,
    relay: must(await startRelay(options)),
    users: sim.admin.users(),
    options,
    async restartRelay() {
      await world.relay.close();
      // Lets this process's HTTP client pool see its keep-alive sockets closed before reusing one.
      await new Promise((resolve) => setTimeout(resolve, 20));
      world.relay = must(await startRelay(options));
    },
    async close() {
      await world.relay.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return world;
}

export interface TestDeviceIdentity {
  deviceId: string;
  privateKey: KeyObject;
  publicKey: string;
}

export function newDeviceIdentity(): TestDeviceIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { deviceId: newId(), privateKey, publicKey: publicKeyToBase64(publicKey) };
}

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

async function answer<T>(response: Response): Promise<HttpAnswer<T>> {
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

export async function enrollRaw(relayUrl: string, body: unknown, credential?: string): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (credential) headers.authorization = `Bearer ${credential}`;
  return answer(await fetch(`${relayUrl}/v1/devices/enroll`, { method: 'POST', headers, body: JSON.stringify(body) }));
}

/** Logs `user` in at the simulator and enrolls the device with that token. */
export async function enrollAs(world: World, device: TestDeviceIdentity, user: SimUser, credential?: string): Promise<EnrollResponse> {
  const tokens = await login(world.sim, user.userId);
  const result = await enrollRaw(world.relay.url, { zoomAccessToken: tokens.access_token, deviceId: device.deviceId, devicePublicKey: device.publicKey }, credential);
  if (result.status !== 200) throw new Error(`enroll answered ${result.status}`);
  return result.body as unknown as EnrollResponse;
}

export async function adminGet<T = Record<string, unknown>>(world: World, path: string, token: string | null = ADMIN_TOKEN): Promise<HttpAnswer<T>> {
  return answer<T>(await fetch(`${world.relay.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
}

export async function adminPost(world: World, path: string, body: unknown): Promise<HttpAnswer> {
  return answer(
    await fetch(`${world.relay.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

export interface ComplianceDevice {
  deviceId: string;
  status: string;
  leaseDeadline: number | null;
  receipt: SignedReceipt | null;
  receiptVerified: boolean;
}

export interface Compliance {
  zoomAccountId: string;
  zoomUserId: string;
  deauthorizedAt: number | null;
  userDataRetention: unknown;
  cloudCopyDeletedAt: number | null;
  heldNotices: number;
  devices: ComplianceDevice[];
}

export async function compliance(world: World, user: SimUser): Promise<Compliance> {
  const result = await adminGet<Compliance>(world, `/v1/compliance/${encodeURIComponent(user.accountId)}/${encodeURIComponent(user.userId)}`);
  if (result.status !== 200) throw new Error(`compliance answered ${result.status}`);
  return result.body;
}

export async function statusOf(world: World, user: SimUser, deviceId: string): Promise<string | undefined> {
  return (await compliance(world, user)).devices.find((d) => d.deviceId === deviceId)?.status;
}

export function deauthorizationBody(user: SimUser, signature: string, at: number): string {
  return JSON.stringify({
    event: 'app_deauthorized',
    event_ts: at,
    payload: {
      account_id: user.accountId,
      user_id: user.userId,
      signature,
      deauthorization_time: new Date(at).toISOString(),
      client_id: 'callvault-demo',
      user_data_retention: 'false',
    },
  });
}

/** POSTs a webhook signed with `secret` at `timestampSeconds` (headers can be overridden or dropped). */
export async function postWebhook(
  relayUrl: string,
  rawBody: string | Buffer,
  timestampSeconds: number,
  overrides: Record<string, string | null> = {},
  secret = SECRET,
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-zm-request-timestamp': String(timestampSeconds),
    'x-zm-signature': signZoomWebhook(secret, timestampSeconds, rawBody),
  };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return answer(await fetch(`${relayUrl}/zoom/webhook`, { method: 'POST', headers, body: rawBody }));
}

export function receiptFrom(device: TestDeviceIdentity, fields: Partial<ReceiptBody> & Pick<ReceiptBody, 'zoomAccountId' | 'zoomUserId' | 'reason'>, at = Date.now()): SignedReceipt {
  return signReceipt(
    {
      v: 1,
      id: newId(),
      deviceId: device.deviceId,
      commandId: null,
      requestedAt: at,
      completedAt: at,
      filesRemoved: 3,
      bytesRemoved: 4096,
      verified: true,
      ...fields,
    },
    device.privateKey,
  );
}

export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 5_000): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface HelloAs {
  protocol?: number;
  challenge?: string;
}

/** A bare websocket device: speaks the protocol by hand so tests can see every frame. */
export class RawDevice {
  readonly received: RelayToDevice[] = [];
  readonly closed: Promise<{ code: number }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.received.push(JSON.parse(String(data)) as RelayToDevice));
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code })));
  }

  static wsUrl(relayUrl: string): string {
    return `${relayUrl.replace(/^http/, 'ws')}/v1/devices/ws`;
  }

  static async connect(relayUrl: string, credential: string, options: { autoPong?: boolean } = {}): Promise<RawDevice> {
    const ws = new WebSocket(RawDevice.wsUrl(relayUrl), { headers: { authorization: `Bearer ${credential}` }, autoPong: options.autoPong ?? true });
    const device = new RawDevice(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return device;
  }

  /** The HTTP status with which the relay refuses the upgrade. */
  static async refusal(relayUrl: string, credential: string | null): Promise<number> {
    const ws = new WebSocket(RawDevice.wsUrl(relayUrl), { headers: credential ? { authorization: `Bearer ${credential}` } : {} });
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (req, res) => {
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
      ws.once('open', () => {
        ws.terminate();
        reject(new Error('the relay accepted the socket'));
      });
      ws.once('error', () => {});
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Protocol 1 unless told: the relay keeps serving those devices as before. */
  hello(deviceId: string, as: HelloAs = {}): void {
    this.send({ type: 'hello', protocol: as.protocol ?? 1, deviceId, accounts: [], ...(as.challenge !== undefined && { challenge: as.challenge }) });
  }

  /**
   * Says hello and returns what the relay sent in answer. Messages are handled in order, so a
   * second hello's welcome marks the end of the first greeting.
   */
  async greeting(deviceId: string, as: HelloAs = {}): Promise<RelayToDevice[]> {
    const from = this.received.length;
    const welcomes = this.of('welcome').length;
    this.hello(deviceId, as);
    this.hello(deviceId, as);
    await this.waitFor('welcome', welcomes + 2);
    const answer = this.received.slice(from);
    const second = answer.findIndex((m, i) => i > 0 && m.type === 'welcome');
    return answer.slice(0, second);
  }

  of<K extends RelayToDevice['type']>(type: K): Extract<RelayToDevice, { type: K }>[] {
    return this.received.filter((m): m is Extract<RelayToDevice, { type: K }> => m.type === type);
  }

  async waitFor<K extends RelayToDevice['type']>(type: K, count = 1): Promise<Extract<RelayToDevice, { type: K }>[]> {
    return waitFor(() => (this.of(type).length >= count ? this.of(type) : null), `${count} '${type}' message(s)`);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}
