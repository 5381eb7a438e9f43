import type { ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import systray2, { type MenuItem as NativeItem } from 'systray2';
import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import { trayIcon } from './icons.js';
import type { MenuItemModel, MenuModel } from './menu.js';

// The native tray, through systray2 2.1.4: a Go program that draws the icon and the menu and
// speaks JSON lines over its stdin and stdout. This module hides its traps:
// - its programs are installed without the run bit (scripts/postinstall.mjs sets it; this checks);
// - it runs ./traybin/<program> from the current folder when such a file exists, so the current
//   folder is the package's own while the program starts;
// - with no display its ready() never settles: the program's exit, or a deadline, ends the wait;
// - it ships x86-64 programs only;
// - its menu cannot change shape after the start: items are only ever updated in place. (Nor is
//   a submenu usable: with one, every separator disappears, and updating its parent turns the
//   parent into a plain item; menu.ts keeps the menu flat.)

const SysTray = systray2.default;

export type HostError =
  | { kind: 'unsupported-platform'; platform: NodeJS.Platform }
  | { kind: 'unsupported-arch'; arch: string }
  | { kind: 'binary-missing'; path: string }
  | { kind: 'binary-not-executable'; path: string; code: string }
  | { kind: 'spawn-failed'; path: string; code: string; arch: string }
  | { kind: 'exited'; code: number | null; signal: string | null; detail: string }
  | { kind: 'timeout'; ms: number; detail: string };

export interface TrayHost {
  /** Shows `model`: sends only what changed since the last model. */
  update(model: MenuModel): void;
  /** Called with the key of the item the user clicked. */
  onClick(listener: (key: string) => void): void;
  /** The tray program ended without `close` (killed, or the display went away). */
  onExit(listener: (detail: string) => void): void;
  /** Ends the tray program. Idempotent. */
  close(): Promise<void>;
}

export interface HostOptions {
  platform: NodeJS.Platform;
  arch: string;
  clock: Clock;
  /** How long the program may take to show the icon. */
  readyTimeoutMs: number;
}

const PROGRAMS: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'tray_linux_release',
  darwin: 'tray_darwin_release',
  win32: 'tray_windows_release.exe',
};
const STDERR_TAIL_CHARS = 2000;
const CLOSE_GRACE_MS = 2000;

interface KeyedItem extends NativeItem {
  key: string;
}

function packageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('systray2/package.json'));
}

/** The tray program for this machine, made executable if the install left it without the bit. */
export function trayProgram(platform: NodeJS.Platform, arch: string): Result<string, HostError> {
  const name = PROGRAMS[platform];
  if (!name) return err({ kind: 'unsupported-platform', platform });
  // macOS and Windows on arm64 run x86-64 programs through Rosetta 2 and Windows' emulation; Linux does not.
  if (arch !== 'x64' && platform === 'linux') return err({ kind: 'unsupported-arch', arch });
  const path = join(packageDir(), 'traybin', name);
  if (!existsSync(path)) return err({ kind: 'binary-missing', path });
  if (platform === 'win32') return ok(path);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    try {
      chmodSync(path, 0o755);
    } catch (error) {
      return err({ kind: 'binary-not-executable', path, code: codeOf(error) });
    }
  }
  return ok(path);
}

function toNative(item: MenuItemModel): KeyedItem {
  const native: KeyedItem = { key: item.key, title: item.title, tooltip: item.tooltip, checked: item.checked, enabled: item.enabled, hidden: item.hidden };
  if (item.separator) Object.assign(native, SysTray.separator);
  return native;
}

function sameItem(a: MenuItemModel, b: MenuItemModel): boolean {
  return a.title === b.title && a.tooltip === b.tooltip && a.enabled === b.enabled && a.checked === b.checked && a.hidden === b.hidden;
}

function indexByKey<T extends { key: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((item) => [item.key, item]));
}

export async function startSystrayHost(model: MenuModel, options: HostOptions): Promise<Result<TrayHost, HostError>> {
  const program = trayProgram(options.platform, options.arch);
  if (!program.ok) return program;

  const nativeItems = model.items.map(toNative);
  const natives = indexByKey(nativeItems);
  let shown = model;
  const clickListeners: Array<(key: string) => void> = [];
  const exitListeners: Array<(detail: string) => void> = [];
  let stderrTail = '';
  let started = false;
  let closing = false;
  let exited = false;

  const previousDir = process.cwd();
  process.chdir(packageDir());
  const tray = new SysTray({ menu: { icon: trayIcon(model.icon, options.platform), title: '', tooltip: model.tooltip, items: nativeItems } });

  // GLib prefixes each line with the program, pid, level and time: "(tray_linux_release:8662):
  // Gtk-WARNING **: 09:15:25.114: cannot open display: :77". The message is what helps.
  const detail = (): string =>
    stderrTail
      .split('\n')
      .map((line) => line.replace(/^\([^)]*\):\s*/, '').replace(/^[\w-]+-(?:WARNING|CRITICAL|ERROR|Message) \*\*: [\d:.]+: /, '').trim())
      .filter(Boolean)
      .slice(-3)
      .join(' / ');

  const outcome = await new Promise<Result<ChildProcess, HostError>>((resolve) => {
    let settled = false;
    let poll: { cancel(): void } | null = null;
    const finish = (result: Result<ChildProcess, HostError>): void => {
      if (settled) return;
      settled = true;
      deadline.cancel();
      poll?.cancel();
      process.chdir(previousDir);
      resolve(result);
    };
    const deadline = options.clock.setTimeout(() => finish(err({ kind: 'timeout', ms: options.readyTimeoutMs, detail: detail() })), options.readyTimeoutMs);
    tray.ready().then(
      () => finish(ok(tray.process)),
      (error: unknown) => finish(err({ kind: 'spawn-failed', path: program.value, code: codeOf(error), arch: options.arch })),
    );
    // systray2 spawns the program a moment after its constructor returns, when its own file
    // system calls come back (the poll phase of the event loop). A child's exit is also seen in
    // the poll phase, and Node then throws away whatever stderr nobody reads: looking again at the
    // next check phase (setImmediate) finds the child before its exit can be seen, so a program
    // that fails at once is reported with what it said.
    const watch = (): void => {
      const child = tray.process as ChildProcess | null;
      if (!child) {
        const next = setImmediate(watch);
        poll = { cancel: () => clearImmediate(next) };
        return;
      }
      process.chdir(previousDir);
      // The program's GTK warnings must be read, or a full pipe would stall it.
      child.stderr?.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
      });
      // A write after the program died fails with EPIPE; its exit is reported below.
      child.stdin?.on('error', () => {});
      const ended = (code: number | null, signal: NodeJS.Signals | null): void => {
        exited = true;
        if (!started) finish(err({ kind: 'exited', code, signal, detail: detail() }));
        else if (!closing) for (const listener of exitListeners) listener(`the tray program ended (${signal ?? `exit code ${code}`})${detail() ? `: ${detail()}` : ''}`);
      };
      // 'close' comes once the program has exited and its stderr has been read to the end, so the
      // detail is whole.
      child.once('close', ended);
    };
    watch();
  });

  if (!outcome.ok) {
    const child = tray.process as ChildProcess | null;
    if (child && !exited) child.kill('SIGKILL');
    return outcome;
  }
  started = true;
  const child = outcome.value;

  void tray.onClick((event) => {
    const key = (event.item as Partial<KeyedItem>).key;
    if (key !== undefined) for (const listener of clickListeners) listener(key);
  });

  const host: TrayHost = {
    update(next) {
      if (closing || exited) return;
      if (next.icon !== shown.icon || next.tooltip !== shown.tooltip) {
        // Items are left out: update-menu cannot change them, and systray2 would rewrite their titles.
        void tray.sendAction({ type: 'update-menu', menu: { icon: trayIcon(next.icon, options.platform), title: '', tooltip: next.tooltip, items: [] } });
      }
      const before = indexByKey(shown.items);
      for (const item of next.items) {
        const old = before.get(item.key);
        const native = natives.get(item.key);
        if (!old || !native || item.separator || sameItem(old, item)) continue;
        Object.assign(native, { title: item.title, tooltip: item.tooltip, enabled: item.enabled, checked: item.checked, hidden: item.hidden });
        void tray.sendAction({ type: 'update-item', item: native });
      }
      shown = next;
    },
    onClick(listener) {
      clickListeners.push(listener);
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
    async close() {
      if (closing) return;
      closing = true;
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      void tray.sendAction({ type: 'exit' });
      child.stdin?.end();
      const force = options.clock.setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
      await gone;
      force.cancel();
    },
  };
  return ok(host);
}

export function describeHostError(error: HostError): string {
  switch (error.kind) {
    case 'unsupported-platform':
      return `no tray on ${error.platform}: systray2 ships tray programs for Linux, macOS and Windows only`;
    case 'unsupported-arch':
      return `no tray on this ${error.arch} machine: systray2 2.1.4 ships x86-64 tray programs only`;
    case 'binary-missing':
      return `the tray program ${error.path} is missing; reinstall callvault`;
    case 'binary-not-executable':
      return `the tray program ${error.path} is not executable (${error.code}); run: chmod +x '${error.path}'`;
    case 'spawn-failed':
      return `cannot start the tray program ${error.path} (${error.code})${error.arch === 'x64' ? '' : `; it is an x86-64 program and this machine is ${error.arch}`}`;
    case 'exited':
      return `the tray program stopped before showing the icon (${error.signal ?? `exit code ${error.code}`}): is a display available?${error.detail ? ` It said: ${error.detail}` : ''}`;
    case 'timeout':
      return `the tray icon did not appear within ${error.ms / 1000} s${error.detail ? ` (the tray program said: ${error.detail})` : ''}`;
  }
}

function codeOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : 'error';
}
