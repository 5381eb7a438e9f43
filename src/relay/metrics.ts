import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../platform/logger.js';
import { LedgerUnavailableError, type ContentSweep, type Ledger } from './ledger.js';

// GET /metrics in Prometheus's text format. The ledger's gauges (commands pending, their age,
// obligations past their deadline, the Zoom content held) are read from the database at each
// scrape, so every instance reports the same vendor-wide figures: aggregate them with max(), not
// sum(). Connected devices, requests, receipt latency and what this instance's sweeps dropped are
// this instance's own.

/** A receipt can take seconds (online) or days (a laptop that was off): buckets span both. */
const RECEIPT_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3_600, 86_400, 7 * 86_400];

export interface MetricsSources {
  ledger: Ledger;
  connectedDevices: () => number;
  clock: Clock;
  log: Logger;
}

export class RelayMetrics {
  readonly contentType: string;
  private readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'status'>;
  private readonly receiptLatency: Histogram;
  private readonly ledgerUp: Gauge;
  private readonly commandsPending: Gauge;
  private readonly oldestPendingAge: Gauge;
  private readonly pastDeadline: Gauge;
  private readonly contentHeld: Gauge<'kind'>;
  private readonly oldestBodyAge: Gauge;
  private readonly contentDropped: Counter<'kind'>;
  private readonly lastSweep: Gauge;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    this.contentType = this.registry.contentType;
    collectDefaultMetrics({ register: this.registry, prefix: 'callvault_relay_' });
    new Gauge({
      name: 'callvault_relay_devices_connected',
      help: 'Device websockets this instance holds.',
      registers,
      collect() {
        this.set(sources.connectedDevices());
      },
    });
    let countedRoundTrips = 0;
    new Counter({
      name: 'callvault_relay_ledger_round_trips_total',
      help: 'Queries this instance sent to the database server (0 for SQLite).',
      registers,
      collect() {
        const now = sources.ledger.roundTrips();
        this.inc(now - countedRoundTrips);
        countedRoundTrips = now;
      },
    });
    this.requests = new Counter({
      name: 'callvault_relay_http_requests_total',
      help: 'HTTP requests answered, by route and status; route="POST /zoom/webhook" gives the webhook outcomes.',
      labelNames: ['route', 'status'],
      registers,
    });
    this.receiptLatency = new Histogram({
      name: 'callvault_relay_receipt_latency_seconds',
      help: 'From a wipe command being issued to its receipt being stored, for receipts this instance stored.',
      buckets: RECEIPT_LATENCY_BUCKETS,
      registers,
    });
    this.ledgerUp = new Gauge({ name: 'callvault_relay_ledger_up', help: '1 when the ledger answered this scrape.', registers });
    this.commandsPending = new Gauge({ name: 'callvault_relay_commands_pending', help: 'Wipe commands waiting for their receipt (whole ledger).', registers });
    this.oldestPendingAge = new Gauge({
      name: 'callvault_relay_commands_pending_oldest_age_seconds',
      help: 'Age of the oldest wipe command waiting for its receipt; 0 when none waits.',
      registers,
    });
    this.pastDeadline = new Gauge({
      name: 'callvault_relay_obligations_past_deadline',
      help: 'Devices past their self-wipe deadline without a receipt: should always be 0 (the alarm).',
      registers,
    });
    this.contentHeld = new Gauge({
      name: 'callvault_relay_zoom_content_held',
      help: 'Zoom content the relay holds (whole ledger): kind="notice", event notices waiting for their device; kind="unusable_body", bodies of unusable events.',
      labelNames: ['kind'],
      registers,
    });
    this.oldestBodyAge = new Gauge({
      name: 'callvault_relay_unusable_body_oldest_age_seconds',
      help: 'Age of the oldest unusable event body still held; the sweep drops it at 10 days; 0 when none is held.',
      registers,
    });
    this.contentDropped = new Counter({
      name: 'callvault_relay_zoom_content_dropped_total',
      help: "Zoom content this instance's sweeps dropped: notices of devices past their lease deadline, unusable event bodies 10 days old.",
      labelNames: ['kind'],
      registers,
    });
    this.lastSweep = new Gauge({
      name: 'callvault_relay_zoom_content_last_sweep_timestamp_seconds',
      help: 'When this instance last finished a sweep of Zoom content past its purpose.',
      registers,
    });
  }

  contentSwept(sweep: ContentSweep, at: number): void {
    this.contentDropped.inc({ kind: 'notice' }, sweep.noticesDropped);
    this.contentDropped.inc({ kind: 'unusable_body' }, sweep.bodiesDropped);
    this.lastSweep.set(at / 1000);
  }

  request(route: string, status: number): void {
    this.requests.inc({ route, status: String(status) });
  }

  receiptStored(commandIssuedAt: number): void {
    this.receiptLatency.observe(Math.max(0, this.sources.clock.now() - commandIssuedAt) / 1000);
  }

  /** The exposition text; the ledger gauges keep their last values (and ledger_up is 0) when the ledger cannot be read. */
  async text(): Promise<string> {
    const { ledger, clock, log } = this.sources;
    try {
      const now = clock.now();
      const summary = await ledger.pendingSummary(now);
      this.commandsPending.set(summary.openCommands);
      this.oldestPendingAge.set(summary.oldestOpenIssuedAt === null ? 0 : Math.max(0, now - summary.oldestOpenIssuedAt) / 1000);
      this.pastDeadline.set(summary.pastDeadline);
      const held = await ledger.heldContent();
      this.contentHeld.set({ kind: 'notice' }, held.notices);
      this.contentHeld.set({ kind: 'unusable_body' }, held.unusableBodies);
      this.oldestBodyAge.set(held.oldestBodyReceivedAt === null ? 0 : Math.max(0, now - held.oldestBodyReceivedAt) / 1000);
      this.ledgerUp.set(1);
    } catch (e) {
      if (!(e instanceof LedgerUnavailableError)) throw e;
      log.warn({ err: e.message }, 'metrics: the ledger cannot be read');
      this.ledgerUp.set(0);
    }
    return this.registry.metrics();
  }
}
