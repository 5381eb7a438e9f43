import { afterEach, describe, expect, it } from 'vitest';
import { err, ok } from '../../src/core/result.js';
import type { IpcServer } from '../../src/ipc/server.js';
import { hasDisplay } from '../../src/platform/display.js';
import { runTray, type TrayIo } from '../../src/tray/main.js';
import type { MenuModel } from '../../src/tray/menu.js';
import type { HostError, TrayHost } from '../../src/tray/systrayHost.js';
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

  async function startDaemon(): Promise<void> {
    runtime = tempRuntime();
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

  it('exits 1 at once without a display, before dialling the daemon', async () => {
    let dialled = false;
    const code = await runTray([], io({ env: {}, connect: async () => ((dialled = true), err({ kind: 'not-running', socketPath: 'x' })) }));
    expect(code).toBe(1);
    expect(dialled).toBe(false);
    expect(output).toBe('callvault tray: no display (neither DISPLAY nor WAYLAND_DISPLAY is set); the daemon keeps running without a tray\n');
  });

  it('exits 3 and names the command that starts the daemon when none is running', async () => {
    const code = await runTray([], io());
    expect(code).toBe(3);
    expect(output).toMatch(/daemon is not running .*start it with: callvault daemon/);
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
