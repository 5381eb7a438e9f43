import type { Clock, TimerHandle } from '../core/clock.js';
import type { WipeReason } from '../core/receipt.js';
import { err, ok, type Result } from '../core/result.js';
import { apiError, type ApiError } from '../core/errors.js';
import type { Logger } from '../platform/logger.js';
import type { AppPaths } from '../platform/paths.js';
import { controlLeaseStore } from '../guard/controlLeases.js';
import { DAY_MS, LeaseMonitor, type ProofKind } from '../guard/leases.js';
import { TrustedTime } from '../guard/trustedTime.js';
import type { VaultKeys } from '../guard/vaultKeys.js';
import { Wiper } from '../guard/wipe.js';
import type { ControlDb } from '../store/index.js';
import type { AccountHost } from './accounts.js';
import type { EventDataOf } from '../ipc/protocol.js';
import type { EventBus } from './events.js';

const RETRY_EVERY_MS = 60_000;

export interface GuardianOptions {
  control: ControlDb;
  host: AccountHost;
  keys: VaultKeys;
  paths: AppPaths;
  leaseDays: number;
  clock: Clock;
  log: Logger;
  events: EventBus;
  /** A receipt is in the outbox: the relay link sends it. */
  onReceipt: () => void;
  /** The device key, unavailable until now, can be used: the held vaults can open. */
  onKeysBack: () => void;
}

/** The deletion guarantee inside the daemon: leases, their enforcement, and every wipe. */
export class Guardian {
  readonly time: TrustedTime;
  readonly leases: LeaseMonitor;
  private readonly wiper: Wiper;
  private retryTimer: TimerHandle | null = null;

  constructor(private readonly o: GuardianOptions) {
    this.time = new TrustedTime(o.clock, o.control);
    this.wiper = new Wiper({
      control: o.control,
      live: o.host,
      keys: o.keys,
      clock: this.time.asClock(),
      log: o.log,
      scanFolders: [o.paths.data, o.paths.logs, o.paths.runtime],
    });
    this.leases = new LeaseMonitor({
      clock: o.clock,
      time: this.time,
      store: controlLeaseStore(o.control),
      leaseMs: o.leaseDays * DAY_MS,
      log: o.log,
      onWarning: (accountKey, deadline) => o.events.emit('lease.warning', this.warningOf(accountKey, deadline)),
      onExpired: async (accountKey) => {
        await this.wipe(accountKey, 'lease-expired');
      },
    });
  }

  /**
   * The start-up step (DESIGN.md, invariant 2): finish interrupted wipes, then wipe every account
   * whose lease ran out while the daemon was not running. Runs before the IPC socket exists.
   */
  async startUp(): Promise<void> {
    const resumed = await this.wiper.resumeUnfinished();
    for (const result of resumed) if (result.ok) this.o.onReceipt();
    await this.leases.check();
  }

  /** The lease.warning events that hold now: sent to each viewer that subscribes to them. */
  leaseWarnings(): Array<EventDataOf<'lease.warning'>> {
    return this.leases.warnings().map(({ accountKey, deadline }) => this.warningOf(accountKey, deadline));
  }

  private warningOf(accountKey: string, deadline: number): EventDataOf<'lease.warning'> {
    return { accountKey, leaseDeadline: deadline, timeLeftMs: Math.max(0, deadline - this.time.now()) };
  }

  /** The receipt of the account's last finished wipe, when its data is gone already; else null. */
  existingReceipt(accountKey: string): string | null {
    const wipe = this.o.control.wipes.lastFinished(accountKey);
    return wipe ? (this.o.control.receipts.forWipe(wipe.id)?.id ?? null) : null;
  }

  recordProof(accountKey: string, kind: ProofKind, validUntil?: number): void {
    this.leases.recordProof(accountKey, kind, validUntil);
  }

  /** EXPIRED or WIPED when nothing may be served for the account, else ok. */
  servable(accountKey: string): Result<void, ApiError> {
    if (this.wiper.isPending(accountKey)) return err(apiError('WIPED', `account ${accountKey} is being wiped`));
    if (this.leases.isExpired(accountKey)) {
      // Enforce at once rather than at the next minute's check.
      void this.wipe(accountKey, 'lease-expired');
      return err(apiError('EXPIRED', `the lease of account ${accountKey} ran out; its data is being wiped`));
    }
    return ok(undefined);
  }

  async wipe(accountKey: string, reason: WipeReason, commandId?: string): Promise<Result<string, ApiError>> {
    const result = await this.wiper.wipe({ accountKey, reason, commandId: commandId ?? null });
    if (!result.ok) {
      if (result.error.kind === 'unknown-account') return err(apiError('NOT_FOUND', `no account ${accountKey}`));
      return err(apiError('UNAVAILABLE', `the wipe of ${accountKey} could not be verified yet (${result.error.remaining} files remain); it is retried every minute`));
    }
    this.o.events.emit('data.wiped', { accountKey, receiptId: result.value.id, reason });
    this.o.onReceipt();
    return ok(result.value.id);
  }

  private async retryUnfinished(): Promise<void> {
    for (const result of await this.wiper.resumeUnfinished()) if (result.ok) this.o.onReceipt();
  }

  /** While the device key cannot be had (a locked keyring), it is asked for again every minute. */
  private async retryKeys(): Promise<void> {
    if (this.o.keys.ready) return;
    if ((await this.o.keys.load()).state === 'ready') this.o.onKeysBack();
  }

  start(): void {
    this.leases.start();
    this.armRetry();
  }

  stop(): void {
    this.leases.stop();
    this.retryTimer?.cancel();
    this.retryTimer = null;
  }

  /**
   * A wipe that could not be verified (a file held open elsewhere) is tried again every minute, and
   * so is a device key that was not available. control.db's WAL is folded in too: a wipe destroys a
   * data key with a checkpoint, which then has only the wipe's own pages to copy.
   */
  private armRetry(): void {
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.o.control.checkpoint();
      void Promise.all([this.retryUnfinished(), this.retryKeys()])
        .catch((e: unknown) => this.o.log.error({ err: e }, 'wipe retry failed'))
        .finally(() => {
          if (this.retryTimer) this.armRetry();
        });
    }, RETRY_EVERY_MS);
  }
}
