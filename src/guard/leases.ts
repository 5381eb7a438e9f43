import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../platform/logger.js';
import type { HighWaterStore, TrustedTime } from './trustedTime.js';

export const DAY_MS = 86_400_000;
export const LEASE_WARNING_MS = DAY_MS;
export const CHECK_EVERY_MS = 60_000;
/** A minute timer that fires this late means the machine slept (or the process was stopped). */
export const SLEEP_DETECT_MS = 30_000;

const PROOF_RESOLUTION_MS = 60_000;

export type ProofKind = 'zoom' | 'relay';

export interface LeaseRow {
  accountKey: string;
  /** Absolute: the data is wiped when trusted time reaches it. */
  deadline: number;
  lastProofAt: number;
  proofKind: ProofKind;
}

export interface LeaseStore extends HighWaterStore {
  getLease(accountKey: string): LeaseRow | null;
  setLease(row: LeaseRow): void;
  /** Accounts whose data is held (not wiped, not being wiped). */
  heldAccounts(): string[];
}

/**
 * A proof that the grant was alive at `proofAt` pushes the deadline to proofAt + lease, and never
 * pulls it earlier: proofs can arrive out of order (a relay lease signed before the last API call).
 * A relay lease may set a shorter `validUntil`, which then bounds it.
 */
export function extendedLease(current: LeaseRow | null, accountKey: string, proofAt: number, leaseMs: number, kind: ProofKind, validUntil?: number): LeaseRow {
  const proposed = Math.min(proofAt + leaseMs, validUntil ?? Number.POSITIVE_INFINITY);
  // Every API call is a proof; a minute's resolution keeps control.db from a write per request.
  if (current && current.deadline >= proposed - PROOF_RESOLUTION_MS) return current;
  return { accountKey, deadline: proposed, lastProofAt: proofAt, proofKind: kind };
}

export interface LeaseMonitorOptions {
  clock: Clock;
  time: TrustedTime;
  store: LeaseStore;
  leaseMs: number;
  log: Logger;
  onWarning: (accountKey: string, deadline: number) => void;
  /** Wipes the account; the monitor waits for it before checking the next one. */
  onExpired: (accountKey: string, deadline: number) => Promise<void>;
}

/**
 * Enforces leases while the daemon runs: checks at start, every minute, and at once after a
 * detected sleep. The start-up check runs before the IPC socket exists (DESIGN.md, invariant 2).
 */
export class LeaseMonitor {
  private timer: TimerHandle | null = null;
  private expectedAt = 0;
  private readonly warned = new Map<string, number>();
  private checking: Promise<void> | null = null;

  constructor(private readonly o: LeaseMonitorOptions) {}

  /**
   * A proof happens now: it is stamped with trusted time, so a wall clock set back cannot place
   * it (and the deadline it sets) anywhere but where it would have been.
   */
  recordProof(accountKey: string, kind: ProofKind, validUntil?: number): LeaseRow {
    const current = this.o.store.getLease(accountKey);
    const next = extendedLease(current, accountKey, this.o.time.now(), this.o.leaseMs, kind, validUntil);
    if (next !== current) this.o.store.setLease(next);
    return next;
  }

  deadlineOf(accountKey: string): number | null {
    return this.o.store.getLease(accountKey)?.deadline ?? null;
  }

  isExpired(accountKey: string): boolean {
    const deadline = this.deadlineOf(accountKey);
    return deadline !== null && deadline <= this.o.time.now();
  }

  /** One pass over every held account; concurrent callers share the pass in flight. */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  start(): void {
    this.stop();
    this.arm();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /**
   * The warnings sent whose lease still runs out within a day, unrenewed: they hold, and a viewer
   * that starts listening now is told of them too.
   */
  warnings(): Array<{ accountKey: string; deadline: number }> {
    const now = this.o.time.now();
    const holding: Array<{ accountKey: string; deadline: number }> = [];
    for (const [accountKey, deadline] of this.warned) {
      if (deadline > now && this.deadlineOf(accountKey) === deadline) holding.push({ accountKey, deadline });
    }
    return holding;
  }

  /**
   * Checks every minute, and also the moment a warning starts or a lease runs out when that comes
   * first, so the lease.warning event goes out when the warning starts (status shows it from then).
   */
  private nextCheckIn(): number {
    const now = this.o.time.now();
    let next = CHECK_EVERY_MS;
    for (const accountKey of this.o.store.heldAccounts()) {
      const deadline = this.deadlineOf(accountKey);
      if (deadline === null) continue;
      for (const due of [deadline - LEASE_WARNING_MS, deadline]) if (due > now && due - now < next) next = due - now;
    }
    return next;
  }

  private arm(): void {
    const delay = this.nextCheckIn();
    this.expectedAt = this.o.clock.now() + delay;
    this.timer = this.o.clock.setTimeout(() => {
      const lateBy = this.o.clock.now() - this.expectedAt;
      if (lateBy > SLEEP_DETECT_MS) this.o.log.info({ lateMs: lateBy }, 'woke after a sleep; checking leases');
      void this.check()
        .catch((e: unknown) => this.o.log.error({ err: e }, 'lease check failed'))
        .finally(() => {
          if (this.timer) this.arm();
        });
    }, delay);
  }

  private async runCheck(): Promise<void> {
    const now = this.o.time.advance();
    for (const accountKey of this.o.store.heldAccounts()) {
      const lease = this.o.store.getLease(accountKey);
      if (!lease) continue;
      if (lease.deadline <= now) {
        this.o.log.warn({ account: accountKey, deadline: lease.deadline }, 'lease expired; wiping');
        await this.o.onExpired(accountKey, lease.deadline);
      } else if (lease.deadline - now <= LEASE_WARNING_MS && this.warned.get(accountKey) !== lease.deadline) {
        this.warned.set(accountKey, lease.deadline);
        this.o.onWarning(accountKey, lease.deadline);
      }
    }
  }
}
