import type { EventDataOf, ResultOf, Topic } from '../ipc/protocol.js';

// What the tray knows: the daemon's latest status, what events said since, and the user's
// half-finished clicks. Every change is a pure function from one state to the next; the menu is
// a pure function of the state and the time (menu.ts).

export type DaemonStatus = ResultOf<'status'>;
export type AccountView = DaemonStatus['accounts'][number];

export type ArmTarget = { kind: 'purge-all' } | { kind: 'disconnect'; accountKey: string };

export interface TrayState {
  /** 'reconnecting': the daemon went away; the client dials it again with backoff. */
  connection: 'connected' | 'reconnecting';
  /** null until the first `status` answer. */
  status: DaemonStatus | null;
  /**
   * The daemon's trusted clock minus this process's clock, from the latest status: times the daemon
   * gives (sync times, lease deadlines) are shown against the daemon's clock, which decides leases.
   */
  daemonOffsetMs: number;
  /** Latest sync.progress per account (0..1): newer than the status between refreshes. */
  progress: Readonly<Record<string, number>>;
  /** A destructive item clicked once: the next click within the window confirms it. */
  armed: { target: ArmTarget; until: number } | null;
  /** A short line under the headline (an action failed, no terminal found) until `until`. */
  notice: { text: string; until: number } | null;
}

/** How long a destructive item waits for its confirming second click. */
export const CONFIRM_WINDOW_MS = 10_000;
/** How long a notice stays in the menu. */
export const NOTICE_MS = 30_000;

/** The topics the tray subscribes to. */
export const TRAY_TOPICS = ['sync.progress', 'sync.done', 'data.wiped', 'lease.warning', 'link.state', 'account.connected'] as const satisfies readonly Topic[];
export type TrayTopic = (typeof TRAY_TOPICS)[number];

/** After these events the status is fetched again: they change what only the status carries. */
export const REFRESH_TOPICS: ReadonlySet<TrayTopic> = new Set(['sync.done', 'data.wiped', 'lease.warning', 'account.connected']);

export function initialState(): TrayState {
  return { connection: 'connected', status: null, daemonOffsetMs: 0, armed: null, notice: null, progress: {} };
}

/** `receivedAt`: this process's clock when the answer came (absent: the two clocks are taken to agree). */
export function withStatus(state: TrayState, status: DaemonStatus, receivedAt?: number): TrayState {
  // Progress from events survives only for accounts the daemon still reports as syncing.
  const syncing = new Set(status.accounts.filter((a) => a.syncing !== null).map((a) => a.accountKey));
  const progress = Object.fromEntries(Object.entries(state.progress).filter(([key]) => syncing.has(key)));
  return { ...state, status, progress, daemonOffsetMs: receivedAt === undefined ? 0 : status.serverTime - receivedAt };
}

export function withEvent<T extends TrayTopic>(state: TrayState, topic: T, data: EventDataOf<T>): TrayState {
  switch (topic) {
    case 'sync.progress': {
      const event = data as EventDataOf<'sync.progress'>;
      return { ...state, progress: { ...state.progress, [event.accountKey]: event.progress } };
    }
    case 'sync.done':
    case 'data.wiped': {
      const { [(data as { accountKey: string }).accountKey]: _done, ...progress } = state.progress;
      return { ...state, progress };
    }
    case 'link.state': {
      if (!state.status) return state;
      const event = data as EventDataOf<'link.state'>;
      return { ...state, status: { ...state.status, link: { state: event.state, since: event.since } } };
    }
    default:
      return state;
  }
}

export function withConnection(state: TrayState, connection: TrayState['connection']): TrayState {
  return { ...state, connection };
}

export function armed(state: TrayState, target: ArmTarget, now: number): TrayState {
  return { ...state, armed: { target, until: now + CONFIRM_WINDOW_MS } };
}

export function disarmed(state: TrayState): TrayState {
  return { ...state, armed: null };
}

export function withNotice(state: TrayState, text: string, now: number): TrayState {
  return { ...state, notice: { text, until: now + NOTICE_MS } };
}

/** The armed target if its window is still open at `now`. */
export function armedTarget(state: TrayState, now: number): ArmTarget | null {
  return state.armed && now < state.armed.until ? state.armed.target : null;
}
