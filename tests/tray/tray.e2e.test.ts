import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { IpcClient } from '../../src/ipc/client.js';
import type { EventDataOf } from '../../src/ipc/protocol.js';
import { ACCOUNT_SLOTS, buildMenu, type MenuItemModel, type MenuModel } from '../../src/tray/menu.js';
import { initialState, withStatus } from '../../src/tray/state.js';
import { TRAY_LOCK } from '../../src/tray/main.js';
import { trayProgram } from '../../src/tray/systrayHost.js';
import { runServiceCommand } from '../../src/platform/service.js';
import { describeWith } from '../helpers/realComponents.js';
import { BIN, ChildDaemon, InProcessDaemon, client, connectAccount, syncAndWait } from '../helpers/daemonHarness.js';
import { until } from './fixtures.js';
import { highlightedRun, startXvfb, X11, type Geometry, type Started } from './x11.js';

// The real tray under Xvfb, with trayer as the tray host, against a real daemon (and the Zoom
// simulator): xdotool clicks the icon and the items as a user would, and the test watches what
// the daemon does. The tray runs from dist/ (`npm test` builds it first), in its own process, as
// the daemon starts it. CALLVAULT_UPDATE_SCREENSHOT=1 also writes docs/tray-menu.png.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const trayMain = join(root, 'dist', 'tray', 'main.js');
const TRAY_ENTRY = 'const { runTray } = await import(process.argv[1]); process.exitCode = await runTray([]);';
const STEP_MS = 20_000;

/** Why the test cannot run with what is installed: the tray program must be built from the sources. */
function buildProblem(): string | null {
  const program = trayProgram('linux', 'x64');
  if (!program.ok) return `the tray program is not usable: ${program.error.kind}`;
  const built = existsSync(trayMain) ? statSync(trayMain).mtimeMs : 0;
  const sources = ['src/tray', 'src/platform', 'src/ipc'].flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)));
  if (sources.some((file) => statSync(file).mtimeMs > built)) return `${trayMain} is missing or older than the sources: run npm run build first`;
  return null;
}

function itemOf(shown: MenuModel, key: string): MenuItemModel {
  const found = shown.items.find((i) => i.key === key);
  if (!found) throw new Error(`no item ${key}`);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One enabled, visible item after another is how GTK's keyboard walks a menu. */
function keyboardSteps(model: MenuModel, key: string): number {
  const walkable = model.items.filter((i) => i.enabled && !i.hidden && !i.separator);
  const index = walkable.findIndex((i) => i.key === key);
  if (index < 0) throw new Error(`${key} cannot be reached in the menu`);
  return index + 1;
}

describeWith('x11-tray', 'the tray under Xvfb', () => {
  let xvfb: Awaited<ReturnType<typeof startXvfb>> | null = null;
  let trayer: Started | null = null;
  let x11: X11;
  let daemon: InProcessDaemon;
  let viewer: IpcClient;
  let accountKey: string;
  const syncs: Array<EventDataOf<'sync.done'>> = [];
  let tray: ChildProcess | null = null;
  const spawned: ChildProcess[] = [];
  let trayErr = '';
  /** Where a tray this test did not spawn itself writes. */
  let trayLog: string | null = null;
  let model: MenuModel;
  /** The menu as first opened (one account, no notice): the other sizes are measured against it. */
  let firstMenu: Geometry | null = null;

  function startTray(env: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(process.execPath, ['--input-type=module', '-e', TRAY_ENTRY, pathToFileURL(trayMain).href], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (chunk: Buffer) => (trayErr += chunk.toString()));
    spawned.push(child);
    return child;
  }

  function exitOf(child: ChildProcess, ms: number): Promise<number | null> {
    return new Promise((resolve, reject) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms; stderr: ${trayErr}`)), ms);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  /** Polls an async probe until it yields a value. */
  async function eventually<T>(probe: () => Promise<T | null | undefined>, what: string): Promise<T> {
    const giveUp = Date.now() + STEP_MS;
    for (;;) {
      const value = await probe();
      if (value !== null && value !== undefined) return value;
      if (Date.now() > giveUp) throw new Error(`timed out waiting for ${what}; tray stderr: ${trayErr}${trayLog && existsSync(trayLog) ? readFileSync(trayLog, 'utf8') : ''}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const openMenus = async (): Promise<Array<Geometry & { id: string }>> =>
    (await x11.windows('--onlyvisible', '--classname', 'tray_linux_release')).filter((w) => w.x >= 0 && w.y >= 0 && w.width > 40 && w.height > 40);

  async function openMenu(): Promise<Geometry> {
    const icon = await eventually(async () => (await x11.windows('--onlyvisible', '--class', '^systray$'))[0], 'the tray icon');
    await x11.xdotool('mousemove', '--window', icon.id, String(Math.floor(icon.width / 2)), String(Math.floor(icon.height / 2)), 'click', '1');
    return eventually(async () => (await openMenus())[0], 'the menu to open');
  }

  /** Opens the menu and walks to the item with the keyboard; the item as it is highlighted on screen. */
  async function highlight(key: string, shown: MenuModel = model): Promise<{ menu: Geometry; item: { y: number; height: number }; shot: string }> {
    const menu = await openMenu();
    await x11.xdotool('key', ...Array<string>(keyboardSteps(shown, key)).fill('Down'));
    const shot = join(daemon.home.dir, 'screen.png');
    // The same place twice in a row: the keys have all been handled.
    let previous: string | null = null;
    const item = await eventually(async () => {
      await x11.screenshot(shot);
      const found = highlightedRun(await x11.column(shot, menu.x + 4, menu.y, menu.height), menu.y);
      const seen = found && JSON.stringify(found);
      const stable = found !== null && seen === previous ? found : null;
      previous = seen;
      return stable;
    }, `item ${key} to be highlighted`);
    return { menu, item, shot };
  }

  /**
   * Walks to the item with the keyboard, finds the highlighted row on screen, and clicks it with
   * the mouse. Returns the pixels of a line through the row's text, to tell titles apart.
   */
  async function clickItem(key: string, options: { screenshotTo?: string[]; beforeClick?: () => void } = {}): Promise<string> {
    model = await currentModel();
    const { menu, item, shot } = await highlight(key);
    firstMenu ??= menu;
    const row = item.y + Math.floor(item.height / 2);
    const line = (await x11.row(shot, menu.x, row, menu.width)).join(',');
    for (const target of options.screenshotTo ?? []) {
      const margin = 12;
      const left = Math.max(0, menu.x - margin);
      await x11.crop(shot, target, { x: left, y: 0, width: 1024 - left, height: Math.min(768, menu.y + menu.height + margin) });
    }
    options.beforeClick?.();
    await x11.xdotool('mousemove', String(menu.x + Math.floor(menu.width / 2)), String(row), 'click', '1');
    await eventually(async () => ((await openMenus()).length === 0 ? true : null), 'the menu to close');
    return line;
  }

  beforeAll(async () => {
    const problem = buildProblem();
    if (problem) throw new Error(problem);
    // The X server and the panel are the test's stage, not what it tests: once in about a dozen
    // loaded runs here, trayer could not open the display Xvfb had just named as ready. Such a
    // start is retried; each failed one is reported if all fail.
    const failedStarts: string[] = [];
    for (let attempt = 1; ; attempt++) {
      xvfb = await startXvfb();
      x11 = new X11(xvfb.display);
      const panel = x11.startTrayer();
      // Held where afterAll stops it, should the wait below time out.
      trayer = panel;
      const shown = eventually(async () => (await x11.windows('--name', '^panel$'))[0], 'trayer').then(() => null);
      const early = await Promise.race([shown, panel.ended]);
      if (early === null) break;
      trayer = null;
      failedStarts.push(`trayer ended (${early}) before showing its panel on ${xvfb.display}; Xvfb ${xvfb.child.exitCode === null && xvfb.child.signalCode === null ? 'still running' : 'ended'}, said: ${xvfb.output() || 'nothing'}`);
      await xvfb.stop();
      xvfb = null;
      if (attempt === 3) throw new Error(failedStarts.join('\n'));
    }

    // A weekly schedule and no sync at start: a sync during the test is the tray's doing.
    // One account at first; the others fill the menu's account sections later.
    const users = Array.from({ length: ACCOUNT_SLOTS + 1 }, () => ({}));
    daemon = await InProcessDaemon.start({ sim: { seed: 5, accounts: [{ plan: 'business', users }] }, config: { sync: { schedule: '0 3 * * 3' } } });
    viewer = await client(daemon.home);
    accountKey = await connectAccount(viewer, daemon.sim);
    await syncAndWait(viewer, accountKey);
    await viewer.on('sync.done', (e) => syncs.push(e));
    const status = await viewer.call('status');
    if (!status.ok) throw new Error('status');
    model = buildMenu(withStatus(initialState(), status.value), Date.now());
  });

  afterAll(async () => {
    for (const child of spawned) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      const ended = exitOf(child, STEP_MS);
      process.kill(child.pid, 'SIGTERM');
      await ended;
    }
    await viewer?.close();
    await daemon?.close();
    await trayer?.stop();
    await xvfb?.stop();
  });

  /** The menu the tray shows for the daemon's status now (what the keyboard walks through). */
  async function currentModel(): Promise<MenuModel> {
    const status = await viewer.call('status');
    if (!status.ok) throw new Error(`status: ${status.error.message}`);
    return buildMenu(withStatus(initialState(), status.value), Date.now());
  }

  async function idle(): Promise<void> {
    await eventually(async () => {
      const status = await viewer.call('status');
      return status.ok && status.value.accounts.every((a) => a.syncing === null) ? true : null;
    }, 'the daemon to be idle');
  }

  const visibleItems = (shown: MenuModel): number => shown.items.filter((i) => !i.hidden && !i.separator).length;

  const trayEnv = (display: string | null): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: daemon.home.dir,
    CALLVAULT_HOME: daemon.home.dir,
    ...(display === null ? {} : { DISPLAY: display }),
  });

  it('shows its menu, and "Sync now" makes the daemon sync', async () => {
    tray = startTray(trayEnv(xvfb?.display ?? null));
    const shots = [join(daemon.home.dir, 'tray-menu.png')];
    if (process.env.CALLVAULT_UPDATE_SCREENSHOT === '1') {
      mkdirSync(join(root, 'docs'), { recursive: true });
      shots.push(join(root, 'docs', 'tray-menu.png'));
    }
    // The sync that followed the connect may still be finishing: wait until the daemon is idle.
    await eventually(async () => {
      const status = await viewer.call('status');
      return status.ok && status.value.accounts.every((a) => a.syncing === null) ? true : null;
    }, 'the daemon to be idle');
    await new Promise((resolve) => setTimeout(resolve, 300));
    syncs.length = 0;
    await clickItem('sync-now', { screenshotTo: shots });
    await until(() => syncs.some((e) => e.accountKey === accountKey), STEP_MS);
    expect(existsSync(shots[0]!)).toBe(true);
  });

  it('with every account section filled, the menu is as tall as its items and fits a 1024×768 screen', async () => {
    for (const user of daemon.sim.admin.users().slice(1)) await connectAccount(viewer, daemon.sim, user.userId);
    await idle();
    const crowded = await currentModel();
    // Five sections of accounts that hold data (three lines each) and a line for the sixth.
    expect(itemOf(crowded, 'accounts-more').hidden).toBe(false);
    expect(crowded.items.filter((i) => /^account-\d$/.test(i.key) && !i.hidden)).toHaveLength(ACCOUNT_SLOTS);
    const first = firstMenu;
    if (!first) throw new Error('the first test measured no menu');
    const extra = visibleItems(crowded) - visibleItems(model);
    expect(extra).toBe(3 * (ACCOUNT_SLOTS - 1) + 1);
    // GTK squeezes a menu that does not fit and scrolls it; a menu that fits is as tall as the
    // first one plus its extra items. (The tray redraws when it learns of the new accounts.)
    const measure = async (): Promise<{ menu: Geometry; item: { y: number; height: number } }> => {
      const { menu, item } = await highlight('quit', crowded);
      await x11.xdotool('key', 'Escape');
      await eventually(async () => ((await openMenus()).length === 0 ? true : null), 'the menu to close');
      return { menu, item };
    };
    await eventually(async () => {
      const { menu, item } = await measure();
      return Math.abs(menu.height - (first.height + extra * item.height)) <= extra ? true : null;
    }, 'the menu to show every account');
    // GTK places a menu whose lines grew for its former width the first time it shows it (the
    // spill MAX_TITLE_CHARS keeps small); from then on the menu is placed for its own width.
    const { menu, item } = await measure();
    expect(menu.x).toBeGreaterThanOrEqual(0);
    expect(menu.x + menu.width).toBeLessThanOrEqual(1024);
    // Room for the one line that can still appear: a notice under the headline.
    expect(menu.y + menu.height + item.height).toBeLessThanOrEqual(768);
  });

  it('purges all local data only when "Purge all local data…" is clicked twice, with a receipt', async () => {
    const receipts = async (): Promise<number> => {
      const list = await viewer.call('receipts.list', {});
      return list.ok ? list.value.receipts.length : -1;
    };
    const before = await clickItem('purge-all');
    // The first click only arms the item: its title now asks for a second click within 10 s, and
    // by the time the menu is open again a tray that purged at once would have wiped already.
    expect(await receipts()).toBe(0);
    const armed = await clickItem('purge-all');
    expect(armed, 'the item shows another title after the first click').not.toBe(before);
    const receipt = await eventually(async () => {
      const list = await viewer.call('receipts.list', {});
      return list.ok ? list.value.receipts[0] : undefined;
    }, 'the receipt');
    expect(receipt).toMatchObject({ reason: 'user-purge', verified: true });
    expect(await viewer.call('meetings.list', { account: accountKey })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    expect(daemon.home.filesContaining(daemon.sim.admin.users()[0]!.canaries[0]!)).toEqual([]);

    // What the menu says of the daemon's status now: the data is gone, said once, and no account
    // whose data is gone is said to be unsynced.
    await eventually(async () => ((await viewer.call('status')).ok ? true : null), 'the status');
    const titles = (await currentModel()).items.filter((i) => !i.hidden && !i.separator).map((i) => i.title);
    expect(titles.filter((t) => /local data deleted/i.test(t))).toEqual(['Local data deleted']);
    expect(titles.filter((t) => /synced|sync \d/i.test(t))).toEqual([]);
  });

  it('Quit closes the icon and leaves the daemon running', async () => {
    const running = tray;
    if (!running) throw new Error('the tray is not running');
    const exited = exitOf(running, STEP_MS);
    await clickItem('quit');
    expect(await exited).toBe(0);
    await eventually(async () => ((await x11.windows('--onlyvisible', '--class', '^systray$')).length === 0 ? true : null), 'the icon to go');
    expect((await viewer.call('status')).ok).toBe(true);
  });

  it('without a display, exits 1 with a clear message within 5 s', async () => {
    trayErr = '';
    const noDisplay = startTray(trayEnv(null));
    expect(await exitOf(noDisplay, 5000)).toBe(1);
    expect(trayErr).toContain('no display (neither DISPLAY nor WAYLAND_DISPLAY is set)');

    // A display that nobody serves: the tray program exits, and the tray says so.
    trayErr = '';
    let number = Number(xvfb?.display.slice(1)) + 100;
    while (existsSync(`/tmp/.X11-unix/X${number}`)) number++;
    const unserved = `:${number}`;
    const deadDisplay = startTray(trayEnv(unserved));
    expect(await exitOf(deadDisplay, 5000)).toBe(1);
    expect(trayErr).toContain('the tray program stopped before showing the icon');
    expect(trayErr).toContain(`cannot open display: ${unserved}`);
  });

  describeWith('desktop-entry', 'at login', () => {
    it('the autostart entry of `service install`, started as a desktop session does, waits for a daemon without a display and shows the tray', async () => {
      const home = daemon.home;
      // What `callvault service install` writes on Linux (systemd itself is not asked here).
      let installErrors = '';
      const installed = await runServiceCommand(['install'], {
        platform: 'linux',
        env: { XDG_CONFIG_HOME: join(home.dir, 'xdg'), CALLVAULT_HOME: home.dir },
        home: home.dir,
        uid: process.getuid?.() ?? 0,
        username: 'me',
        cwd: home.dir,
        launch: { node: process.execPath, script: BIN },
        run: () => ({ kind: 'exited', code: 0, stdout: '', stderr: '' }),
        out: () => {},
        err: (text) => (installErrors += text),
      });
      expect(installed, installErrors).toBe(0);
      const entry = join(home.dir, 'xdg', 'autostart', 'callvault-tray.desktop');

      // The session starts before the daemon: no daemon runs.
      await daemon.stop();
      const lock = join(home.paths.runtime, TRAY_LOCK);
      let trayPid: number | null = null;
      let childDaemon: ChildDaemon | null = null;
      try {
        // The tray inherits the launcher's output: kept in a file, for the message if this fails.
        const output = openSync(join(home.dir, 'autostarted-tray.log'), 'w');
        const launcher = spawn('gio', ['launch', entry], { env: { PATH: process.env.PATH, HOME: home.dir, DISPLAY: xvfb?.display }, stdio: ['ignore', output, output] });
        closeSync(output);
        expect(await exitOf(launcher, STEP_MS)).toBe(0);
        trayErr = '';
        trayLog = join(home.dir, 'autostarted-tray.log');
        // The tray runs (it holds its lock) and waits: no icon without a daemon.
        trayPid = await eventually(async () => {
          const pid = existsSync(lock) ? Number(readFileSync(lock, 'utf8')) : NaN;
          return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
        }, 'the tray to start');
        expect(await x11.windows('--onlyvisible', '--class', '^systray$')).toEqual([]);

        // The daemon as systemd starts it at login: no display, so it starts no tray of its own.
        childDaemon = await ChildDaemon.start(home, { DISPLAY: '', WAYLAND_DISPLAY: '' });
        const menu = await openMenu();
        expect(menu.height).toBeGreaterThan(40);
        await x11.xdotool('key', 'Escape');
        expect(alive(trayPid)).toBe(true);
      } finally {
        if (trayPid !== null && alive(trayPid)) {
          process.kill(trayPid, 'SIGTERM');
          const pid = trayPid;
          await eventually(async () => (alive(pid) ? null : true), 'the tray to stop');
        }
        await childDaemon?.stop();
      }
    });
  });
});
