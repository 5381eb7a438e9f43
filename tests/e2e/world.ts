import { join } from 'node:path';
import type { ConfigInput } from '../../src/platform/config.js';
import { startRelay, type Relay } from '../../src/relay/index.js';
import { startSimulator, type SimUser, type Simulator } from '../../src/sim/index.js';
import type { IpcClient } from '../../src/ipc/client.js';
import { Home, InProcessDaemon, client, connectAccount, syncAndWait, waitFor } from '../helpers/daemonHarness.js';

export const SECRET = 'webhook-secret-for-tests';
export const ADMIN = 'admin-token-for-the-tests';

export interface Ledger {
  deauthorizedAt: number | null;
  devices: Array<{ deviceId: string; status: string; leaseDeadline: number | null; receiptVerified: boolean; receipt: { reason: string } | null }>;
}

export async function ledger(relay: Relay, sim: Simulator): Promise<Ledger> {
  const user = sim.admin.users()[0]!;
  const answer = await fetch(`${relay.url}/v1/compliance/${user.accountId}/${user.userId}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return (await answer.json()) as Ledger;
}

export async function waitForLedger(relay: Relay, sim: Simulator, done: (l: Ledger) => boolean): Promise<Ledger> {
  let last: Ledger | null = null;
  await waitFor(async () => {
    last = await ledger(relay, sim);
    return done(last);
  }, 15_000, 50).catch(() => {
    throw new Error(`ledger never got there: ${JSON.stringify(last)}`);
  });
  return last!;
}

/** Zoom (the simulator) and the vendor's relay, wired as in production, on loopback. */
async function world() {
  const home = new Home();
  // The relay's port must be known before the simulator (which posts webhooks to it) starts.
  const probe = await startRelay({ dataDir: join(home.dir, 'probe'), webhookSecretToken: SECRET, adminToken: ADMIN, zoomApiUrl: 'http://127.0.0.1:9' });
  if (!probe.ok) throw new Error('relay');
  const port = Number(new URL(probe.value.url).port);
  await probe.value.close();
  const sim = await startSimulator({ seed: 21, accounts: [{ plan: 'business', users: [{}] }], webhook: { url: `http://127.0.0.1:${port}/zoom/webhook`, secretToken: SECRET } });
  const relay = await startRelay({ port, dataDir: join(home.dir, 'relay'), webhookSecretToken: SECRET, adminToken: ADMIN, zoomApiUrl: sim.url });
  if (!relay.ok) throw new Error(`relay: ${relay.error.message}`);
  return { home, sim, relay: relay.value, config: { relay: { url: relay.value.url, publicKey: relay.value.publicKey } } };
}

export interface EnrolledDevice {
  home: Home;
  sim: Simulator;
  relay: Relay;
  config: { relay: { url: string; publicKey: string } };
  daemon: InProcessDaemon;
  client: IpcClient;
  user: SimUser;
  account: string;
  close(): Promise<void>;
}

/** The world plus a daemon with one account connected, synced and enrolled at the relay. */
export async function enrolledDevice(extra: Partial<ConfigInput> = {}): Promise<EnrolledDevice> {
  const w = await world();
  const daemon = await InProcessDaemon.start({ home: w.home, simulator: w.sim, config: { ...w.config, ...extra } });
  const c = await client(w.home);
  const user = w.sim.admin.users()[0]!;
  const account = await connectAccount(c, w.sim, user.userId);
  await syncAndWait(c, account);
  await waitFor(async () => (await ledger(w.relay, w.sim)).devices.length === 1);
  return {
    ...w,
    daemon,
    client: c,
    user,
    account,
    close: async () => {
      await c.close();
      await daemon.close();
      await w.relay.close();
    },
  };
}
