import type { ControlDb } from '../store/index.js';
import type { LeaseRow, LeaseStore } from './leases.js';

/** Accounts whose data the device holds; their leases are enforced. */
export const HELD_STATES = ['active', 'needs-auth'] as const;

/** The lease monitor's storage: leases and the clock high-water mark, in control.db. */
export function controlLeaseStore(control: ControlDb): LeaseStore {
  return {
    getLease: (accountKey): LeaseRow | null => {
      const lease = control.leases.get(accountKey);
      return lease ? { accountKey, ...lease } : null;
    },
    setLease: ({ accountKey, ...lease }): void => control.leases.set(accountKey, lease),
    heldAccounts: (): string[] =>
      control.accounts
        .list()
        .filter((a) => (HELD_STATES as readonly string[]).includes(a.state))
        .map((a) => a.accountKey),
    highWater: (): number => control.highWater(),
    raiseHighWater: (t: number): number => control.raiseHighWater(t),
  };
}
