import type { Clock, TimerHandle } from '../core/clock.js';
import { counted } from '../core/words.js';
import type { ApiError } from '../core/errors.js';
import type { Result } from '../core/result.js';
import type { ConnectionState, IpcClient } from '../ipc/client.js';
import type { EventDataOf } from '../ipc/protocol.js';
import { buildMenu, type MenuAction, type MenuModel } from './menu.js';
import {
  armed,
  disarmed,
  initialState,
  REFRESH_TOPICS,
  TRAY_TOPICS,
  withConnection,
  withEvent,
  withNotice,
  withStatus,
  type TrayState,
  type TrayTopic,
} from './state.js';
import type { TrayHost } from './systrayHost.js';

// Between the daemon and the native tray: folds answers and events into the tray state, shows
// the menu built from it, and turns clicks into IPC calls. Holds no Zoom content.

/** Relative times ("5 min ago") are redrawn, and lease deadlines fetched again, this often. */
export const REFRESH_EVERY_MS = 60_000;

export type TrayClient = Pick<IpcClient, 'call' | 'on' | 'onStateChange'>;

export interface ControllerOptions {
  client: TrayClient;
  clock: Clock;
  /** Opens a terminal with the history viewer; false when there is none. */
  openHistory: () => boolean;
  /** The user chose Quit. */
  onQuit: () => void;
  /** The connection ended for good (a daemon speaking another protocol). */
  onClosed: () => void;
}

export class TrayController {
  private state: TrayState = initialState();
  private host: TrayHost | null = null;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private readonly timers = new Set<TimerHandle>();
  private stopped = false;

  constructor(private readonly options: ControllerOptions) {}

  /** Subscribes to the daemon's events and fetches the first status: the first menu shows real state. */
  async load(): Promise<Result<void, ApiError>> {
    for (const topic of TRAY_TOPICS) {
      const subscribed = await this.options.client.on(topic, (data) => this.onEvent(topic, data));
      if (!subscribed.ok) return subscribed;
    }
    this.options.client.onStateChange((connection) => this.onConnection(connection));
    const status = await this.options.client.call('status');
    if (!status.ok) return status;
    this.state = withStatus(this.state, status.value, this.options.clock.now());
    this.scheduleRefresh();
    return { ok: true, value: undefined };
  }

  menu(): MenuModel {
    return buildMenu(this.state, this.options.clock.now());
  }

  /** From now on every change is shown on `host`, and its clicks are handled. */
  attach(host: TrayHost): void {
    this.host = host;
    host.onClick((key) => void this.click(key));
    this.render();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
  }

  /** Resolves once no status fetch is running (tests wait on it instead of sleeping). */
  async settled(): Promise<void> {
    while (this.refreshing) await this.refreshing;
  }

  async click(key: string): Promise<void> {
    const item = this.menu().items.find((i) => i.key === key);
    if (!item?.action || !item.enabled || item.hidden) return;
    const action = item.action;
    // Any other click cancels a destructive item waiting for its second click.
    if (action.kind !== 'arm') this.update(disarmed(this.state));
    await this.perform(action);
  }

  private async perform(action: MenuAction): Promise<void> {
    const { client, clock } = this.options;
    switch (action.kind) {
      case 'arm':
        this.update(armed(this.state, action.target, clock.now()));
        // Redrawn when the window closes, so the item reads "Purge…" again.
        this.after(this.state.armed ? this.state.armed.until - clock.now() : 0, () => this.render());
        return;
      case 'sync-now': {
        const started = await client.call('sync.now', {});
        if (started.ok && started.value.started.length === 0) this.notify('Nothing to sync now (syncing already, or needs sign-in)');
        this.report('Sync now', started);
        break;
      }
      case 'set-paused':
        this.report(action.paused ? 'Pause' : 'Resume', await client.call('sync.pause', { paused: action.paused }));
        break;
      case 'purge-all': {
        const purged = await client.call('purge', { all: true, confirm: true });
        // The headline says the data is gone; the notice says what the purge left: its receipts.
        if (purged.ok) this.notify(`Purge done: ${counted(purged.value.receiptIds.length, 'signed receipt')} kept (callvault receipts)`);
        this.report('Purge', purged);
        break;
      }
      case 'disconnect': {
        const disconnected = await client.call('accounts.disconnect', { account: action.accountKey, confirm: true });
        if (disconnected.ok) this.notify('Disconnected; local data deleted, receipt kept');
        this.report('Disconnect', disconnected);
        break;
      }
      case 'open-history':
        if (!this.options.openHistory()) this.notify('No terminal found: run callvault meetings');
        return;
      case 'quit':
        this.options.onQuit();
        return;
    }
    this.refresh();
  }

  private report(what: string, outcome: Result<unknown, ApiError>): void {
    if (!outcome.ok) this.notify(`${what} failed: ${outcome.error.message || outcome.error.code}`);
  }

  private notify(text: string): void {
    // The menu shortens it to its longest line.
    this.update(withNotice(this.state, text, this.options.clock.now()));
    const notice = this.state.notice;
    if (notice) this.after(notice.until - this.options.clock.now(), () => this.render());
  }

  private onEvent(topic: TrayTopic, data: EventDataOf<TrayTopic>): void {
    this.update(withEvent(this.state, topic, data));
    if (REFRESH_TOPICS.has(topic)) this.refresh();
  }

  private onConnection(connection: ConnectionState): void {
    if (connection === 'closed') {
      if (!this.stopped) this.options.onClosed();
      return;
    }
    this.update(withConnection(this.state, connection));
    if (connection === 'connected') this.refresh();
  }

  /** Fetches the status; calls made while one is running coalesce into one more. */
  private refresh(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const status = await this.options.client.call('status');
        if (status.ok && !this.stopped) this.update(withStatus(this.state, status.value, this.options.clock.now()));
      } while (this.refreshAgain && !this.stopped);
      this.refreshing = null;
    })();
  }

  private scheduleRefresh(): void {
    this.after(REFRESH_EVERY_MS, () => {
      this.refresh();
      this.scheduleRefresh();
    });
  }

  private update(next: TrayState): void {
    this.state = next;
    this.render();
  }

  private render(): void {
    if (!this.stopped) this.host?.update(this.menu());
  }

  private after(ms: number, fn: () => void): void {
    const timer = this.options.clock.setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) fn();
    }, Math.max(0, ms));
    this.timers.add(timer);
  }
}
