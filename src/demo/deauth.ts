import { counted } from '../core/words.js';
import { connectIpc } from '../ipc/client.js';
import type { EventDataOf } from '../ipc/protocol.js';
import { ipcEndpoint } from '../platform/instance.js';
import { resolvePaths } from '../platform/paths.js';
import { readDemoState, type DemoIo } from './demo.js';

interface LedgerDevice {
  deviceId: string;
  status: string;
  leaseDeadline: number | null;
  receiptVerified: boolean;
  receipt: { id: string; completedAt: number; filesRemoved: number; bytesRemoved: number } | null;
}

/**
 * `callvault demo deauth`: the user removes the app at (simulated) Zoom. Zoom posts the signed
 * app_deauthorized webhook to the relay, the relay pushes a signed wipe to the daemon, the daemon
 * wipes and sends back its receipt, and the relay's compliance ledger records it.
 */
export async function runDemoDeauth(io: DemoIo): Promise<number> {
  const state = readDemoState();
  if (!state) {
    io.out('No demo is running here: start one with `npm start` (or `callvault demo`), then run this in another terminal.');
    return 1;
  }
  const paths = resolvePaths({ platform: process.platform, env: { CALLVAULT_HOME: state.home }, home: state.home, uid: 0, username: 'demo' });
  const connected = await connectIpc({ ...ipcEndpoint(paths), reconnect: false, timeoutMs: 3000 });
  if (!connected.ok) {
    io.out('The demo daemon is not running: start the demo with `npm start` first.');
    return 3;
  }
  const client = connected.value;
  const wiped: Array<EventDataOf<'data.wiped'>> = [];
  await client.on('data.wiped', (e) => wiped.push(e));
  const started = Date.now();
  io.out(`1. The user removes the app at Zoom (simulated): user ${state.zoomUserId}`);
  const answer = await fetch(`${state.simUrl}/__admin/deauthorize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: state.zoomUserId }) });
  const delivery = (await answer.json()) as { delivered?: boolean; status?: number | null };
  io.out(`2. Zoom revokes the grant and posts a signed app_deauthorized webhook to the relay: HTTP ${delivery.status ?? 'no answer'}`);
  const deadline = Date.now() + 15_000;
  while (wiped.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const event = wiped[0];
  if (!event) {
    io.out('3. The daemon did not report a wipe within 15 s: is the relay link online? (callvault status)');
    await client.close();
    return 1;
  }
  io.out(`3. The relay pushed a signed wipe; the daemon wiped account ${event.accountKey} (${Date.now() - started} ms after the webhook): receipt ${event.receiptId}`);
  let device: LedgerDevice | undefined;
  while (Date.now() < deadline) {
    const ledger = await fetch(`${state.relayUrl}/v1/compliance/${encodeURIComponent(state.zoomAccountId)}/${encodeURIComponent(state.zoomUserId)}`, {
      headers: { authorization: `Bearer ${state.adminToken}` },
    });
    const body = (await ledger.json()) as { devices?: LedgerDevice[]; deauthorizedAt?: number | null };
    device = body.devices?.find((d) => d.status !== 'pending' && d.receipt);
    if (device) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (device?.receipt) {
    io.out(
      `4. The receipt reached the relay; its ledger says: device ${device.deviceId} ${device.status}, receipt signature ${device.receiptVerified ? 'verified' : 'NOT verified'}, ` +
        `${counted(device.receipt.filesRemoved, 'file')} / ${counted(device.receipt.bytesRemoved, 'byte')} removed.`,
    );
  } else {
    io.out('4. The receipt has not reached the relay yet; it stays in the outbox until the relay acknowledges it.');
  }
  io.out('\nTry now: callvault meetings   (nothing is left)   ·   callvault receipts   (the signed receipt)');
  await client.close();
  return 0;
}
