// Stand-ins for the link tests: the daemon around the link (accounts, outbox, wipes), and a fake
// relay that can say anything, signed with any key.

import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeClock } from '../../src/core/clock.js';
import { publicKeyToBase64, type SignedReceipt } from '../../src/core/receipt.js';
import {
  linkProofBody,
  signBody,
  type DeviceAccountSummary,
  type DeviceToRelay,
  type LeaseBody,
  type LinkProofBody,
  type RelayToDevice,
  type Signed,
  type WipeCommandBody,
} from '../../src/core/wire.js';
import type { LinkOptions, LinkState } from '../../src/link/index.js';
import { silentLogger } from '../../src/platform/logger.js';
import { receiptFrom, waitFor, type TestDeviceIdentity } from '../relay/fixture.js';

/** What the daemon does around the link: holds accounts, wipes on command, keeps the outbox. */
export class DaemonDouble {
  readonly clock = new FakeClock(Date.UTC(2026, 2, 3, 10, 0, 0));
  readonly leases: LeaseBody[] = [];
  readonly wipes: WipeCommandBody[] = [];
  readonly states: LinkState[] = [];
  readonly acked: string[] = [];
  readonly outbox = new Map<string, SignedReceipt>();
  accounts: DeviceAccountSummary[] = [];
  credential: string | null = null;

  constructor(readonly device: TestDeviceIdentity) {}

  hold(zoomAccountId: string, zoomUserId: string): void {
    this.accounts.push({ zoomAccountId, zoomUserId, state: 'ready', leaseDeadline: null });
  }

  options(relayUrl: string, relayPublicKey: string, overrides: Partial<LinkOptions> = {}): LinkOptions {
    return {
      relayUrl,
      relayPublicKey,
      deviceId: this.device.deviceId,
      credential: () => this.credential,
      accounts: () => this.accounts,
      onLease: (lease) => this.leases.push(lease),
      // The daemon wipes, forgets the account and puts the signed receipt in its outbox.
      onWipe: async (command) => {
        this.wipes.push(command);
        this.accounts = this.accounts.filter((a) => a.zoomAccountId !== command.zoomAccountId || a.zoomUserId !== command.zoomUserId);
        const receipt = receiptFrom(this.device, { commandId: command.commandId, zoomAccountId: command.zoomAccountId, zoomUserId: command.zoomUserId, reason: command.reason });
        this.outbox.set(receipt.id, receipt);
      },
      outbox: {
        unacked: () => [...this.outbox.values()],
        ack: (id) => {
          this.acked.push(id);
          this.outbox.delete(id);
        },
      },
      onState: (state) => this.states.push(state),
      clock: this.clock,
      log: silentLogger(),
      ...overrides,
    };
  }
}

/** A logger whose lines the test can wait for: the only sign that an ignored message was handled. */
export class LogLines {
  readonly lines: Array<{ msg: string } & Record<string, unknown>> = [];
  readonly logger: Logger = pino(
    { level: 'debug' },
    new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(JSON.parse(line) as { msg: string });
        done();
      },
    }),
  );

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }
}

type Hello = Extract<DeviceToRelay, { type: 'hello' }>;

/** How a fake relay answers the hello's challenge: by default with its own key, as the real relay does. */
export type Prover = (hello: Hello, relay: FakeRelay) => Signed<LinkProofBody> | undefined;

/** A relay that the test scripts: it records what devices send and sends what it is told. */
export class FakeRelay {
  readonly key: { privateKey: KeyObject; publicKey: string };
  readonly sockets: WebSocket[] = [];
  readonly received: DeviceToRelay[] = [];
  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {
    const pair = generateKeyPairSync('ed25519');
    this.key = { privateKey: pair.privateKey, publicKey: publicKeyToBase64(pair.publicKey) };
  }

  static async start(options: { autoPong?: boolean; onHello?: (relay: FakeRelay, ws: WebSocket) => void; prove?: Prover } = {}): Promise<FakeRelay> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong: options.autoPong ?? true });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const relay = new FakeRelay(wss, `http://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    wss.on('connection', (ws) => {
      relay.sockets.push(ws);
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as DeviceToRelay;
        relay.received.push(message);
        if (message.type === 'hello') {
          const prove = options.prove ?? ((hello: Hello, r: FakeRelay) => r.proof(hello));
          relay.sendTo(ws, { type: 'welcome', protocol: 2, serverTime: Date.now(), proof: prove(message, relay) });
          options.onHello?.(relay, ws);
        }
      });
    });
    return relay;
  }

  get current(): WebSocket {
    const ws = this.sockets.at(-1);
    if (!ws) throw new Error('no device connected');
    return ws;
  }

  sendTo(ws: WebSocket, message: RelayToDevice | Record<string, unknown>): void {
    ws.send(JSON.stringify(message));
  }

  send(message: RelayToDevice | Record<string, unknown>): void {
    this.sendTo(this.current, message);
  }

  /** Signs the hello's challenge for its device (with another key, or for another challenge, when told). */
  proof(hello: Hello, key = this.key.privateKey, fields: { deviceId?: string; challenge?: string } = {}): Signed<LinkProofBody> {
    return signBody(linkProofBody(fields.deviceId ?? hello.deviceId, fields.challenge ?? hello.challenge ?? ''), key);
  }

  hellos(): Hello[] {
    return this.received.filter((m): m is Hello => m.type === 'hello');
  }

  lease(fields: Pick<LeaseBody, 'deviceId' | 'zoomAccountId' | 'zoomUserId'> & Partial<LeaseBody>, key = this.key.privateKey) {
    const issuedAt = fields.issuedAt ?? Date.now();
    return signBody<LeaseBody>({ v: 1, type: 'lease', issuedAt, validUntil: issuedAt + 7 * 86_400_000, ...fields }, key);
  }

  wipe(fields: Pick<WipeCommandBody, 'deviceId' | 'zoomAccountId' | 'zoomUserId'> & Partial<WipeCommandBody>, key = this.key.privateKey) {
    return signBody<WipeCommandBody>({ v: 1, type: 'wipe', commandId: `cmd-${Math.random()}`, reason: 'deauthorized', issuedAt: Date.now(), ...fields }, key);
  }

  receipts(): SignedReceipt[] {
    return this.received.flatMap((m) => (m.type === 'receipt' ? [m.receipt] : []));
  }

  async waitForHellos(count: number): Promise<void> {
    await waitFor(() => this.received.filter((m) => m.type === 'hello').length >= count, `${count} hello(s)`);
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
