import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { apiError } from '../../src/core/errors.js';
import { err } from '../../src/core/result.js';
import { connectIpc, type IpcClient } from '../../src/ipc/client.js';
import type { Handlers } from '../../src/ipc/router.js';
import type { IpcServer } from '../../src/ipc/server.js';
import { TrayController } from '../../src/tray/controller.js';
import type { MenuItemModel, MenuModel } from '../../src/tray/menu.js';
import type { TrayHost } from '../../src/tray/systrayHost.js';
import { startTestServer, tempRuntime, type TempRuntime } from '../ipc/helpers.js';
import type { DaemonStatus } from '../../src/tray/state.js';
import { account, actions, daemonStatus, KEY_A, MINUTE, NOW, recordingDaemon, until, type RecordedCall } from './fixtures.js';

/** Stands in for the native tray: keeps what it was told to show, and clicks like a user. */
class FakeHost implements TrayHost {
  readonly shown: MenuModel[] = [];
  private clickListener: (key: string) => void = () => {};

  update(model: MenuModel): void {
    this.shown.push(model);
  }
  onClick(listener: (key: string) => void): void {
    this.clickListener = listener;
  }
  onExit(): void {}
  async close(): Promise<void> {}

  click(key: string): void {
    this.clickListener(key);
  }
  get current(): MenuModel {
    const last = this.shown.at(-1);
    if (!last) throw new Error('nothing shown yet');
    return last;
  }
  item(key: string): MenuItemModel {
    const found = this.current.items.find((i) => i.key === key);
    if (!found) throw new Error(`no item ${key}`);
    return found;
  }
}

describe('the tray controller, against an IPC server', () => {
  let runtime: TempRuntime;
  let server: IpcServer;
  let client: IpcClient;
  let controller: TrayController;
  let calls: RecordedCall[];
  let quits: number;
  let terminals: boolean;
  let clock: FakeClock;
  let host: FakeHost;
  let current: { status: DaemonStatus };

  async function start(overrides: Partial<Handlers> = {}, status = daemonStatus([account()])): Promise<void> {
    runtime = tempRuntime();
    clock = new FakeClock(NOW);
    const daemon = recordingDaemon(status, overrides);
    calls = daemon.calls;
    current = daemon.current;
    server = await startTestServer(runtime, { handlers: daemon.handlers });
    const connected = await connectIpc({ socketPath: runtime.socketPath, tokenFile: runtime.tokenFile, reconnect: true, clock });
    if (!connected.ok) throw new Error(JSON.stringify(connected.error));
    client = connected.value;
    quits = 0;
    terminals = true;
    controller = new TrayController({ client, clock, openHistory: () => terminals, onQuit: () => quits++, onClosed: () => {} });
    const loaded = await controller.load();
    expect(loaded.ok).toBe(true);
    host = new FakeHost();
    controller.attach(host);
  }

  afterEach(async () => {
    controller.stop();
    await client.close();
    await server.close();
    runtime.cleanup();
  });

  it('shows the daemon status at once and turns "Sync now" into sync.now', async () => {
    await start();
    expect(host.item('headline').title).toBe('Synced 5 min ago');
    host.click('sync-now');
    await until(() => actions(calls).length === 1);
    expect(actions(calls)).toEqual([{ method: 'sync.now', params: {} }]);
  });

  it('purges everything only when "Purge all local data…" is clicked twice within 10 s', async () => {
    await start();
    host.click('purge-all');
    await until(() => host.item('purge-all').title !== 'Purge all local data…');
    expect(host.item('purge-all').title).toBe('Click again within 10 s to delete everything');
    expect(actions(calls)).toEqual([]);

    host.click('purge-all');
    await until(() => actions(calls).length === 1);
    expect(actions(calls)).toEqual([{ method: 'purge', params: { all: true, confirm: true } }]);
    await until(() => host.item('notice').title === 'Purge done: 1 signed receipt kept (callvault receipts)');
    expect(host.item('purge-all').title).toBe('Purge all local data…');
  });

  it('lets the confirmation window close: a click 10 s later only asks again', async () => {
    await start();
    host.click('purge-all');
    await until(() => host.item('purge-all').action?.kind === 'purge-all');
    await clock.advance(10_000);
    // The item is redrawn when the window closes, without any click.
    expect(host.item('purge-all').title).toBe('Purge all local data…');
    host.click('purge-all');
    await until(() => host.item('purge-all').action?.kind === 'purge-all');
    expect(actions(calls)).toEqual([]);
  });

  it('cancels a waiting purge when something else is clicked', async () => {
    await start();
    host.click('purge-all');
    await until(() => host.item('purge-all').action?.kind === 'purge-all');
    host.click('sync-now');
    await until(() => actions(calls).length === 1);
    expect(host.item('purge-all').title).toBe('Purge all local data…');
  });

  it('disconnects one account after its second click', async () => {
    await start();
    host.click('account-0-disconnect');
    await until(() => host.item('account-0-disconnect').title === 'Click again within 10 s to disconnect and delete');
    host.click('account-0-disconnect');
    await until(() => actions(calls).length === 1);
    expect(actions(calls)).toEqual([{ method: 'accounts.disconnect', params: { account: KEY_A, confirm: true } }]);
  });

  it('pauses and resumes syncing, and shows the check from the daemon answer', async () => {
    await start();
    host.click('pause');
    await until(() => host.item('pause').checked);
    host.click('pause');
    await until(() => !host.item('pause').checked);
    expect(actions(calls)).toEqual([
      { method: 'sync.pause', params: { paused: true } },
      { method: 'sync.pause', params: { paused: false } },
    ]);
  });

  it('follows sync events: progress in the headline, then a fresh status when the run is done', async () => {
    await start();
    server.publish('sync.progress', { accountKey: KEY_A, resource: 'meetings', progress: 0.4 });
    await until(() => host.item('headline').title === 'Syncing 40%');
    expect(host.current.icon).toBe('syncing');

    const statusCalls = calls.filter((c) => c.method === 'status').length;
    server.publish('sync.done', { accountKey: KEY_A, finishedAt: NOW, added: { meetings: 1, recordings: 0, calls: 0 }, error: null });
    await until(() => calls.filter((c) => c.method === 'status').length > statusCalls);
    await controller.settled();
    expect(host.item('headline').title).toBe('Synced 5 min ago');
  });

  it('says when an action failed, without crashing', async () => {
    await start({ 'sync.now': async () => err(apiError('BUSY', 'a sync of every account is running')) });
    host.click('sync-now');
    await until(() => !host.item('notice').hidden);
    expect(host.item('notice').title).toBe('Sync now failed: a sync of every account is running');
  });

  it('turns grey when the daemon goes away', async () => {
    await start();
    await server.close();
    await until(() => host.current.icon === 'disconnected');
    expect(host.item('headline').title).toBe('Daemon not running — reconnecting…');
    expect(host.item('sync-now').enabled).toBe(false);
  });

  it('names the command when no terminal can show the history, and quits on Quit', async () => {
    await start();
    terminals = false;
    host.click('open-history');
    await until(() => !host.item('notice').hidden);
    expect(host.item('notice').title).toBe('No terminal found: run callvault meetings');
    host.click('quit');
    await until(() => quits === 1);
    expect(actions(calls)).toEqual([]);
  });

  it('fetches the status again every minute, so lease deadlines and "5 min ago" stay true', async () => {
    await start();
    const before = calls.filter((c) => c.method === 'status').length;
    current.status = { ...current.status, serverTime: NOW + MINUTE };
    await clock.advance(MINUTE);
    await until(() => calls.filter((c) => c.method === 'status').length === before + 1);
    await controller.settled();
    expect(host.item('headline').title).toBe('Synced 6 min ago');
  });

  it("shows times by the daemon's clock (its serverTime), not its own", async () => {
    // The daemon's trusted clock is 10 minutes ahead of this process's: its numbers win.
    await start({}, daemonStatus([account()], { serverTime: NOW + 10 * MINUTE }));
    expect(host.item('headline').title).toBe('Synced 15 min ago');
  });
});
