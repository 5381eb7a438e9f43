import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { err, ok } from '../../src/core/result.js';
import type { IpcServer } from '../../src/ipc/server.js';
import { hasDisplay } from '../../src/platform/display.js';
import { runTray, type TrayIo } from '../../src/tray/main.js';
import type { MenuModel } from '../../src/tray/menu.js';
import type { HostError, TrayHost } from '../../src/tray/systrayHost.js';
import { BIN, exited } from '../helpers/daemonHarness.js';
import { startTestServer, tempRuntime, type TempRuntime } from '../ipc/helpers.js';
import { account, actions, daemonStatus, recordingDaemon, until, type RecordedCall } from './fixtures.js';

describe('hasDisplay', () => {
  it('needs DISPLAY or WAYLAND_DISPLAY on Linux and the BSDs, and nothing on macOS and Windows', () => {
    expect(hasDisplay({}, 'linux')).toBe(false);
    expect(hasDisplay({ DISPLAY: '' }, 'linux')).toBe(false);
    expect(hasDisplay({ DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(hasDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'freebsd')).toBe(true);
    expect(hasDisplay({}, 'darwin')).toBe(true);
    expect(hasDisplay({}, 'win32')).toBe(true);
  });
});

class QuittableHost implements TrayHost {
  shown: MenuModel | null = null;
  closed = false;
  click: (key: string) => void = () => {};
  update(model: MenuModel): void {
    this.shown = model;
  }
  onClick(listener: (key: string) => void): void {
    this.click = listener;
  }
  onExit(): void {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('callvault tray', () => {
  let runtime: TempRuntime | null = null;
  let server: IpcServer | null = null;
  let calls: RecordedCall[] = [];
  let output = '';

  function io(overrides: Partial<TrayIo> = {}): Partial<TrayIo> {
    if (!runtime) runtime = tempRuntime();
    return {
      platform: 'linux',
      arch: 'x64',
      env: { DISPLAY: ':0' },
      endpoint: { socketPath: runtime.socketPath, tokenFile: runtime.tokenFile },
      out: (text) => (output += text),
      err: (text) => (output += text),
      openHistory: () => true,
      untilSignal: () => new Promise(() => {}),
      ...overrides,
    };
  }

  /** A daemon on the runtime the tray uses (a new one unless the tray has one already). */
  async function startDaemon(): Promise<void> {
    runtime ??= tempRuntime();
    const daemon = recordingDaemon(daemonStatus([account()]));
    calls = daemon.calls;
    server = await startTestServer(runtime, { handlers: daemon.handlers });
  }

  afterEach(async () => {
    await server?.close();
    runtime?.cleanup();
    server = null;
    runtime = null;
    output = '';
  });

  it('exits 1 at once without a display, before dialling the daemon, and says nothing of a daemon', async () => {
    let dialled = false;
    const code = await runTray([], io({ env: {}, connect: async () => ((dialled = true), err({ kind: 'not-running', socketPath: 'x' })) }));
    expect(code).toBe(1);
    expect(dialled).toBe(false);
    expect(output).toBe('callvault tray: no display (neither DISPLAY nor WAYLAND_DISPLAY is set): the tray shows only in a desktop session\n');
    expect(output).not.toContain('daemon');
  });

  it('waits for a daemon that is not running yet, and shows the menu once it is', async () => {
    const host = new QuittableHost();
    const running = runTray([], io({ startHost: async (model) => ((host.shown = model), ok(host)) }));
    await until(() => output.includes('waiting for the daemon to start'));
    expect(host.shown).toBeNull();
    await startDaemon();
    await until(() => host.shown !== null);
    expect(host.shown?.items.find((i) => i.key === 'headline')?.title).toMatch(/^Synced /);
    expect(output.match(/waiting for the daemon/g)).toHaveLength(1);
    host.click('quit');
    expect(await running).toBe(0);
  });

  it('as a process (bin/callvault.js): keeps waiting for the daemon until SIGTERM, then exits 0', async () => {
    runtime = tempRuntime();
    const child = spawn(process.execPath, [BIN, 'tray'], { env: { PATH: process.env.PATH, CALLVAULT_HOME: runtime.root, DISPLAY: ':1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exit = exited(child);
    await until(() => out.includes('waiting for the daemon to start') || child.exitCode !== null);
    // A tray that let its event loop run dry would have ended by itself (exit code 13) by now or soon after.
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out).toBe('callvault tray: waiting for the daemon to start (callvault daemon, or at login: callvault service install)…\n');
  });

  it('dials again and again with growing waits, and stops waiting when asked to stop', async () => {
    const clock = new FakeClock();
    const dialledAt: number[] = [];
    let signal: (code: number) => void = () => {};
    const running = runTray([], io({ clock, connect: async () => (dialledAt.push(clock.now()), err({ kind: 'not-running', socketPath: 'x' })), untilSignal: () => new Promise((resolve) => (signal = resolve)) }));
    await until(() => dialledAt.length === 1 && clock.pendingTimers === 1);
    await clock.advance(60_000);
    const waits = dialledAt.slice(1).map((at, i) => at - dialledAt[i]!);
    // From a quarter second, doubling up to 5 s; each wait is jittered between half its step and all of it.
    expect(waits.length).toBeGreaterThan(10);
    for (const [i, wait] of waits.entries()) {
      const step = Math.min(5000, 250 * 2 ** i);
      expect(wait).toBeGreaterThanOrEqual(step / 2);
      expect(wait).toBeLessThanOrEqual(step);
    }
    await until(() => clock.pendingTimers === 1);
    signal(0);
    expect(await running).toBe(0);
    // Nothing is left to dial again: the wait's timer went with it.
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves a tray that runs already alone: one icon per runtime folder', async () => {
    await startDaemon();
    const first = new QuittableHost();
    const running = runTray([], io({ startHost: async (model) => ((first.shown = model), ok(first)) }));
    await until(() => first.shown !== null);
    let secondShown = false;
    expect(await runTray([], io({ startHost: async () => ((secondShown = true), ok(new QuittableHost())) }))).toBe(0);
    expect(secondShown).toBe(false);
    expect(output).toContain(`callvault tray is already running (pid ${process.pid}); this one leaves it alone.`);
    first.click('quit');
    expect(await running).toBe(0);
    // Quit lets go of the lock: the next tray shows its icon.
    const next = new QuittableHost();
    const again = runTray([], io({ startHost: async (model) => ((next.shown = model), ok(next)) }));
    await until(() => next.shown !== null);
    next.click('quit');
    expect(await again).toBe(0);
  });

  it('exits 1 with the reason when the tray program cannot show an icon, and lets go of the daemon', async () => {
    await startDaemon();
    const failure: HostError = { kind: 'exited', code: 1, signal: null, detail: 'cannot open display: :77' };
    const code = await runTray([], io({ startHost: async () => err(failure) }));
    expect(code).toBe(1);
    expect(output).toBe(
      'callvault tray: the tray program stopped before showing the icon (exit code 1): is a display available? It said: cannot open display: :77; the daemon keeps running without a tray\n',
    );
    await until(() => server?.connectionCount === 0);
  });

  it('refuses arguments it does not know', async () => {
    expect(await runTray(['--bogus'], io())).toBe(2);
    expect(output).toBe('callvault tray: unknown option --bogus. See: callvault help tray\n');
  });

  it('shows the menu from the first status, and Quit closes the icon and the connection', async () => {
    await startDaemon();
    const host = new QuittableHost();
    const running = runTray([], io({ startHost: async (model) => ((host.shown = model), ok(host)) }));
    await until(() => host.shown !== null && server?.connectionCount === 1);
    expect(host.shown?.items.find((i) => i.key === 'headline')?.title).toMatch(/^Synced /);
    host.click('quit');
    expect(await running).toBe(0);
    expect(host.closed).toBe(true);
    await until(() => server?.connectionCount === 0);
    // Quitting the icon asks nothing of the daemon: it keeps running and enforcing leases.
    expect(actions(calls)).toEqual([]);
  });
});
