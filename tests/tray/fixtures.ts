import { ok } from '../../src/core/result.js';
import { PROTOCOL_VERSION, type HandledMethodName } from '../../src/ipc/protocol.js';
import type { Handler, Handlers } from '../../src/ipc/router.js';
import type { AccountView, DaemonStatus } from '../../src/tray/state.js';
import { fakeHandlers } from '../ipc/helpers.js';

export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const KEY_A = 'a_0123456789abcdef01234567';
export const KEY_B = 'a_fedcba9876543210fedcba98';

/** An account synced 5 minutes before NOW, its lease running 6.5 more days. */
export function account(overrides: Partial<AccountView> = {}): AccountView {
  return {
    accountKey: KEY_A,
    zoomAccountId: 'zacc-1',
    zoomUserId: 'zuser-A',
    state: 'active',
    lastSyncAt: NOW - 5 * MINUTE,
    nextSyncAt: NOW + 10 * MINUTE,
    syncing: null,
    lastError: null,
    throttledUntil: null,
    counts: { meetings: 12, participants: 40, recordings: 3, calls: 7 },
    leaseDeadline: NOW + 6 * DAY + 12 * HOUR,
    leaseTimeLeftMs: 6 * DAY + 12 * HOUR,
    leaseWarning: false,
    history: null,
    ...overrides,
  };
}

export function daemonStatus(accounts: AccountView[], overrides: Partial<DaemonStatus> = {}): DaemonStatus {
  return {
    daemonVersion: '0.1.0-test',
    protocol: PROTOCOL_VERSION,
    pid: process.pid,
    startedAt: NOW - DAY,
    serverTime: NOW,
    devicePublicKey: null,
    deviceId: 'device-1',
    link: { state: 'online', since: NOW - HOUR },
    keys: { custody: 'keyring', state: 'ready', detail: null },
    syncPaused: false,
    accounts,
    ...overrides,
  };
}

export interface RecordedCall {
  method: string;
  params: unknown;
}

/**
 * A daemon's handlers that record every call the tray makes. `status` answers with what
 * `current` holds; `sync.pause` flips it, like the daemon does.
 */
export function recordingDaemon(initial: DaemonStatus, overrides: Partial<Handlers> = {}): { handlers: Handlers; calls: RecordedCall[]; current: { status: DaemonStatus } } {
  const calls: RecordedCall[] = [];
  const current = { status: initial };
  const record = <M extends HandledMethodName>(method: M, handler: Handler<M>): Handler<M> => (params, ctx) => {
    calls.push({ method, params });
    return handler(params, ctx);
  };
  const handlers = fakeHandlers({
    status: async () => ok(current.status),
    'sync.pause': async (params) => {
      current.status = { ...current.status, syncPaused: params.paused };
      return ok({ paused: params.paused });
    },
    'accounts.disconnect': async () => ok({ receiptId: 'receipt-1' }),
    purge: async () => ok({ receiptIds: ['receipt-2'] }),
    ...overrides,
  });
  for (const method of Object.keys(handlers) as HandledMethodName[]) {
    (handlers as Record<string, unknown>)[method] = record(method, handlers[method] as Handler<typeof method>);
  }
  return { handlers, calls, current };
}

/** The calls other than the status fetches every viewer makes. */
export function actions(calls: readonly RecordedCall[]): RecordedCall[] {
  return calls.filter((c) => c.method !== 'status');
}

/** Resolves once `condition` holds, checking after each turn of the event loop; fails after `ms` rather than hang. */
export async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const giveUp = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > giveUp) throw new Error(`still waiting for: ${condition.toString()}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
