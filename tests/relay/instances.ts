// Several real relay processes on one database, the way a vendor runs them: `callvault relay` (the
// compiled dist/) as child processes, a small TCP round-robin in front of them standing for the
// load balancer, and devices that are the daemon's real relay link (src/link) with an onWipe that
// answers at once with a signed receipt.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { systemClock } from '../../src/core/clock.js';
import { signReceipt, type SignedReceipt } from '../../src/core/receipt.js';
import type { DeviceAccountSummary, WipeCommandBody } from '../../src/core/wire.js';
import { enrollDevice, startLink, type RelayLink } from '../../src/link/index.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { Simulator, SimUser } from '../../src/sim/index.js';
import { BIN } from '../helpers/daemonHarness.js';
import { login } from '../sim/helpers.js';
import { newDeviceIdentity, waitFor, type TestDeviceIdentity } from './fixture.js';

export interface RelayProcess {
  url: string;
  port: number;
  publicKey: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** The hard way: no shutdown, no goodbye to its devices. */
  sigkill(): Promise<void>;
  /** SIGTERM, as a process manager stops it. */
  stop(): Promise<void>;
}

/** `callvault relay --config <file> --port 0 --data-dir <dir>`, once it has printed its url. */
export async function spawnRelay(configFile: string, dataDir: string): Promise<RelayProcess> {
  const child = spawn(process.execPath, [BIN, 'relay', '--config', configFile, '--port', '0', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const end = stdout.indexOf('\n');
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    void exited.then(() => reject(new Error(`the relay exited before listening: ${stderr}`)));
  });
  const { url, publicKey } = JSON.parse(line) as { url: string; publicKey: string };
  const signal = async (name: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { url, port: Number(new URL(url).port), publicKey, child, exited, sigkill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

/** Round-robin over the backends; a backend that refuses the connection is skipped for the next. */
export class TcpBalancer {
  private next = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly backends: number[],
  ) {
    server.on('connection', (client) => this.route(client, 0));
  }

  static async start(backends: number[]): Promise<TcpBalancer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TcpBalancer(server, backends);
  }

  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  private route(client: Socket, tried: number): void {
    const port = this.backends[this.next++ % this.backends.length] ?? 0;
    const upstream = connect(port, '127.0.0.1');
    this.track(upstream);
    if (tried === 0) this.track(client);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    upstream.on('error', () => {
      if (connected) client.destroy();
      else if (tried + 1 < this.backends.length) this.route(client, tried + 1);
      else client.destroy();
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A device enrolled for one Zoom user; its link answers every wipe with a signed receipt. */
export class LinkDevice {
  /** The wipe commands it was sent, in order (ids). */
  readonly wipes: string[] = [];
  /** Receipts the relay acknowledged (stored). */
  readonly stored = new Set<string>();
  /** Zoom event notices handled (the link acks each), by notice id. */
  readonly notices: string[] = [];
  private readonly outbox = new Map<string, SignedReceipt>();
  private link: RelayLink | null = null;

  private constructor(
    readonly identity: TestDeviceIdentity,
    readonly credential: string,
    readonly user: SimUser,
    private readonly relayPublicKey: string,
  ) {}

  static async enroll(sim: Simulator, relayUrl: string, relayPublicKey: string, user: SimUser): Promise<LinkDevice> {
    const identity = newDeviceIdentity();
    const tokens = await login(sim, user.userId);
    const enrolled = await enrollDevice({ relayUrl, relayPublicKey, zoomAccessToken: tokens.access_token, deviceId: identity.deviceId, devicePublicKey: identity.publicKey });
    if (!enrolled.ok || !enrolled.value.credential) throw new Error(`enrollment failed: ${JSON.stringify(enrolled)}`);
    return new LinkDevice(identity, enrolled.value.credential, user, relayPublicKey);
  }

  get online(): boolean {
    return this.link?.state === 'online';
  }

  connect(relayUrl: string): void {
    const account: DeviceAccountSummary = { zoomAccountId: this.user.accountId, zoomUserId: this.user.userId, state: 'ready', leaseDeadline: null };
    this.link = startLink({
      relayUrl,
      relayPublicKey: this.relayPublicKey,
      deviceId: this.identity.deviceId,
      credential: () => this.credential,
      accounts: () => [account],
      onLease: () => {},
      onWipe: async (command) => this.wipe(command),
      onZoomEvent: async (notice) => {
        this.notices.push(notice.noticeId);
        return true;
      },
      outbox: {
        unacked: () => [...this.outbox.values()],
        ack: (id) => {
          this.outbox.delete(id);
          this.stored.add(id);
        },
      },
      clock: systemClock,
      log: silentLogger(),
      // Reconnects within a second, so a killed instance's devices are back soon.
      backoff: { baseMs: 100, maxMs: 1_000 },
    });
  }

  async waitOnline(): Promise<void> {
    await waitFor(() => this.online, `device ${this.identity.deviceId} online`, 30_000);
  }

  /** Waits until the relay has stored `count` receipts from this device. */
  async waitStored(count = 1): Promise<void> {
    await waitFor(() => this.stored.size >= count, `${count} receipt(s) stored from ${this.identity.deviceId}`, 30_000);
  }

  async stop(): Promise<void> {
    await this.link?.stop();
  }

  private async wipe(command: WipeCommandBody): Promise<void> {
    this.wipes.push(command.commandId);
    const now = Date.now();
    const receipt = signReceipt(
      {
        v: 1,
        id: randomUUID(),
        deviceId: this.identity.deviceId,
        commandId: command.commandId,
        zoomAccountId: command.zoomAccountId,
        zoomUserId: command.zoomUserId,
        reason: command.reason,
        requestedAt: now,
        completedAt: now,
        filesRemoved: 1,
        bytesRemoved: 1,
        verified: true,
      },
      this.identity.privateKey,
    );
    this.outbox.set(receipt.id, receipt);
  }
}
