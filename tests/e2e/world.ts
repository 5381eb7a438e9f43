import { join } from 'node:path';
import type { FakeClock } from '../../src/core/clock.js';
import { startRelay, type Relay } from '../../src/relay/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { Home } from '../helpers/daemonHarness.js';

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

/** Zoom (the simulator), the vendor's relay and a daemon, wired as in production, on loopback. */
export async function world(relayClock?: FakeClock) {
  const home = new Home();
  // The relay's port must be known before the simulator (which posts webhooks to it) starts.
  const probe = await startRelay({ dataDir: join(home.dir, 'probe'), webhookSecretToken: SECRET, adminToken: ADMIN, zoomApiUrl: 'http://127.0.0.1:9' });
  if (!probe.ok) throw new Error('relay');
  const port = Number(new URL(probe.value.url).port);
  await probe.value.close();
  const sim = await startSimulator({ seed: 21, accounts: [{ plan: 'business', users: [{}] }], webhook: { url: `http://127.0.0.1:${port}/zoom/webhook`, secretToken: SECRET } });
  const relay = await startRelay({ port, dataDir: join(home.dir, 'relay'), webhookSecretToken: SECRET, adminToken: ADMIN, zoomApiUrl: sim.url, clock: relayClock });
  if (!relay.ok) throw new Error(`relay: ${relay.error.message}`);
  const config = { relay: { url: relay.value.url, publicKey: relay.value.publicKey } };
  return { home, sim, relay: relay.value, config };
}

