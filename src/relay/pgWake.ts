import pg from 'pg';
import { equalJitterDelay } from '../core/backoff.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../platform/logger.js';
import type { LedgerWatcher } from './ledger.js';
import { pgErrorCode } from './pgConnection.js';

// Wakes between relay instances over PostgreSQL LISTEN/NOTIFY (the pattern of
// socket.io-postgres-adapter): a wipe or a Zoom event notice recorded by one instance is announced,
// in the same transaction, on one channel; every instance listens on its own connection and wakes the
// devices it holds. A notification only says where to look: the tables stay the truth, so after
// the listening connection is lost and found again the instance looks at all its devices.

export const WAKE_CHANNEL = 'callvault_relay_wake';

/** PostgreSQL refuses a payload of 8000 bytes or more; devices are spread over several notifications. */
const MAX_PAYLOAD_BYTES = 7_900;
const RECONNECT_BASE_MS = 500;
const RECONNECT_MAX_MS = 15_000;

interface WakePayload {
  /** The instance that recorded the work: it pushes to its own devices itself. */
  from: string;
  devices: string[];
}

/** The notifications announcing work for `deviceIds`, each under PostgreSQL's size limit. */
export function wakePayloads(from: string, deviceIds: string[]): string[] {
  const payloads: string[] = [];
  let batch: string[] = [];
  const encode = (devices: string[]): string => JSON.stringify({ from, devices } satisfies WakePayload);
  for (const deviceId of deviceIds) {
    if (batch.length > 0 && Buffer.byteLength(encode([...batch, deviceId])) > MAX_PAYLOAD_BYTES) {
      payloads.push(encode(batch));
      batch = [];
    }
    batch.push(deviceId);
  }
  if (batch.length > 0) payloads.push(encode(batch));
  return payloads;
}

function parsePayload(text: string | undefined): WakePayload | null {
  try {
    const value = JSON.parse(text ?? '') as Partial<WakePayload>;
    if (typeof value.from === 'string' && Array.isArray(value.devices) && value.devices.every((d) => typeof d === 'string')) return value as WakePayload;
  } catch {
    // Falls through: not ours, or damaged.
  }
  return null;
}

export interface WakeListenerOptions {
  config: pg.ClientConfig;
  instanceId: string;
  watcher: LedgerWatcher;
  /** Decides the reconnection backoff. */
  clock: Clock;
  log: Logger;
  /** Counts a query sent (round trips). */
  onQuery: () => void;
}

/** One connection that LISTENs, reconnecting with jittered backoff whenever it is lost. */
export class WakeListener {
  private client: pg.Client | null = null;
  private attempt = 0;
  private retry: TimerHandle | null = null;
  private stopped = false;

  constructor(private readonly o: WakeListenerOptions) {}

  /** True while the connection is up and listening. */
  get listening(): boolean {
    return this.client !== null;
  }

  /** Resolves once the first attempt is over, listening or not. */
  start(): Promise<void> {
    return this.connect();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.retry?.cancel();
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.o.config);
    // After an 'error' pg also emits 'end', which schedules the reconnection.
    client.on('error', (e) => this.o.log.warn({ err: pgErrorCode(e) }, 'ledger wake connection error'));
    client.on('notification', (n) => this.onNotification(n));
    try {
      await client.connect();
      this.o.onQuery();
      await client.query(`LISTEN ${WAKE_CHANNEL}`);
    } catch (e) {
      await client.end().catch(() => {});
      this.o.log.warn({ err: pgErrorCode(e) }, 'ledger wake connection failed');
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    client.on('end', () => this.onEnd(client));
    this.client = client;
    const reconnected = this.attempt > 0;
    this.attempt = 0;
    if (reconnected) this.o.log.info('ledger wake connection restored; rescanning connected devices');
    // LISTEN came first: work recorded from now on is announced, and work recorded while no one
    // listened is found by looking again.
    this.o.watcher.rescan();
  }

  private onEnd(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.o.log.warn('ledger wake connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = equalJitterDelay(this.attempt, RECONNECT_BASE_MS, RECONNECT_MAX_MS);
    this.attempt += 1;
    this.retry = this.o.clock.setTimeout(() => {
      this.retry = null;
      if (!this.stopped) void this.connect();
    }, delay);
  }

  private onNotification(n: pg.Notification): void {
    if (n.channel !== WAKE_CHANNEL) return;
    const payload = parsePayload(n.payload);
    if (!payload) {
      this.o.log.warn('ledger wake notification ignored: not a wake');
      return;
    }
    if (payload.from === this.o.instanceId) return;
    this.o.watcher.wake(payload.devices);
  }
}
