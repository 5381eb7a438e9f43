// A lightweight device for the relay's scale benchmark: one websocket, no daemon. It verifies each
// wipe against the pinned relay key, answers with a signed receipt (kept until acknowledged and
// sent again after a reconnect), and reconnects with jitter to another instance when its socket
// closes, as a device behind a load balancer would.
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { signReceipt } from '../../dist/core/receipt.js';
import { RELAY_PROTOCOL, verifySigned } from '../../dist/core/wire.js';

export class LightDevice {
  /**
   * o: { deviceId, credential, privateKey (the receipt key), relayKey (KeyObject), zoomUserId,
   *      nextUrl(): the instance to (re)connect to, onStored(zoomUserId, at), onGreeted() }
   */
  constructor(o) {
    this.o = o;
    this.outbox = new Map();
    this.stopped = false;
    this.ws = null;
  }

  connect(url = this.o.nextUrl()) {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/devices/ws`, { headers: { authorization: `Bearer ${this.o.credential}` } });
    this.ws = ws;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: RELAY_PROTOCOL, deviceId: this.o.deviceId, accounts: [] })));
    ws.on('message', (data) => this.handle(JSON.parse(String(data))));
    ws.on('error', () => {});
    ws.on('close', () => {
      if (this.ws !== ws || this.stopped) return;
      setTimeout(() => this.connect(), 100 + Math.random() * 900);
    });
  }

  handle(message) {
    switch (message.type) {
      case 'welcome':
        for (const receipt of this.outbox.values()) this.send({ type: 'receipt', receipt });
        return;
      case 'caught-up':
        this.o.onGreeted?.();
        return;
      case 'wipe': {
        const { command } = message;
        if (!verifySigned(command, this.o.relayKey) || command.body.deviceId !== this.o.deviceId) throw new Error('a wipe that does not verify');
        const known = [...this.outbox.values()].find((r) => r.commandId === command.body.commandId);
        const now = Date.now();
        const receipt =
          known ??
          signReceipt(
            {
              v: 1,
              id: randomUUID(),
              deviceId: this.o.deviceId,
              commandId: command.body.commandId,
              zoomAccountId: command.body.zoomAccountId,
              zoomUserId: command.body.zoomUserId,
              reason: command.body.reason,
              requestedAt: now,
              completedAt: now,
              filesRemoved: 1,
              bytesRemoved: 4096,
              verified: true,
            },
            this.o.privateKey,
          );
        this.outbox.set(receipt.id, receipt);
        this.send({ type: 'receipt', receipt });
        return;
      }
      case 'receipt-ack':
        if (this.outbox.delete(message.receiptId)) this.o.onStored(this.o.zoomUserId, performance.now());
        return;
      default:
    }
  }

  send(message) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  close() {
    this.stopped = true;
    this.ws?.terminate();
  }
}
