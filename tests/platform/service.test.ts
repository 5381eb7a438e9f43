import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCommand, runServiceCommand, type CommandOutcome, type ServiceIo } from '../../src/platform/service.js';
import { encodeUtf16, launchdPlist, systemdUnit, trayAutostartEntry, windowsTaskXml } from '../../src/platform/serviceFiles.js';

const launch = { node: '/usr/bin/node', script: '/opt/callvault/bin/callvault.js' };

/** Every file and folder under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((path) => relative(dir, join(dir, path)))
    .sort();
}

/** A service manager that answers from a table and remembers what it was asked. */
class FakeManager {
  readonly ran: string[] = [];
  constructor(private readonly answer: (line: string) => CommandOutcome = () => ({ kind: 'exited', code: 0, stdout: '', stderr: '' })) {}
  run = (command: string, args: readonly string[]): CommandOutcome => {
    const line = [command, ...args].join(' ');
    this.ran.push(line);
    return this.answer(line);
  };
}

const exited = (code: number, stdout = '', stderr = ''): CommandOutcome => ({ kind: 'exited', code, stdout, stderr });

describe('callvault service', () => {
  let home: string;
  let out: string;
  let errText: string;

  function io(platform: NodeJS.Platform, manager: FakeManager, env: NodeJS.ProcessEnv = {}): Partial<ServiceIo> {
    return {
      platform,
      env,
      home,
      uid: 1000,
      username: 'me',
      cwd: '/work/here',
      launch,
      run: manager.run,
      out: (text) => (out += text),
      err: (text) => (errText += text),
    };
  }

  function fresh(): void {
    home = mkdtempSync(join(tmpdir(), 'cv-'));
    out = '';
    errText = '';
  }

  afterEach(() => rmSync(home, { recursive: true, force: true }));

  describe('on Linux (systemd user unit)', () => {
    it('writes the unit, enables it with systemctl --user, and says how to undo it', async () => {
      fresh();
      mkdirSync(join(home, '.config'));
      const manager = new FakeManager();
      expect(await runServiceCommand(['install'], io('linux', manager))).toBe(0);
      const file = join(home, '.config', 'systemd', 'user', 'callvault.service');
      expect(readFileSync(file, 'utf8')).toBe(systemdUnit({ launch, callvaultHome: null }));
      expect(manager.ran).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now callvault.service']);
      expect(out).toContain(`Wrote the systemd user unit ${file}\n`);
      expect(out).toContain('Ran: systemctl --user enable --now callvault.service\n');
      expect(out).toContain('To undo: callvault service uninstall\n');
      expect(errText).toBe('');
    });

    it('also writes an XDG autostart entry that starts the tray in the desktop session; uninstall removes it', async () => {
      fresh();
      const autostart = join(home, '.config', 'autostart');
      mkdirSync(autostart, { recursive: true });
      writeFileSync(join(autostart, 'someone-else.desktop'), '[Desktop Entry]\n');
      const manager = new FakeManager();
      expect(await runServiceCommand(['install'], io('linux', manager))).toBe(0);
      const entry = join(autostart, 'callvault-tray.desktop');
      expect(readFileSync(entry, 'utf8')).toBe(trayAutostartEntry({ launch, callvaultHome: null }));
      expect(readFileSync(entry, 'utf8')).toContain('\nExec=/usr/bin/node /opt/callvault/bin/callvault.js tray\n');
      expect(out).toContain(`Wrote the tray autostart entry ${entry}\n`);
      expect(out).toContain('The tray starts with your desktop session.');
      expect(await runServiceCommand(['uninstall'], io('linux', manager))).toBe(0);
      expect(out).toContain(`Removed ${entry}\n`);
      expect(tree(autostart)).toEqual(['someone-else.desktop']);
    });

    it('install then uninstall leaves the home as it was', async () => {
      fresh();
      mkdirSync(join(home, '.config'));
      const before = tree(home);
      const manager = new FakeManager();
      expect(await runServiceCommand(['install'], io('linux', manager))).toBe(0);
      expect(tree(home)).not.toEqual(before);
      expect(await runServiceCommand(['uninstall'], io('linux', manager))).toBe(0);
      expect(tree(home)).toEqual(before);
      expect(manager.ran.slice(2)).toEqual([
        'systemctl --user is-enabled callvault.service',
        'systemctl --user disable --now callvault.service',
        'systemctl --user daemon-reload',
      ]);
      expect(out).toContain('callvault no longer starts at login');
    });

    it('keeps the user’s other units when uninstalling', async () => {
      fresh();
      const units = join(home, '.config', 'systemd', 'user');
      mkdirSync(units, { recursive: true });
      mkdirSync(join(units, 'default.target.wants'));
      await runServiceCommand(['install'], io('linux', new FakeManager()));
      await runServiceCommand(['uninstall'], io('linux', new FakeManager()));
      expect(tree(home)).toEqual(['.config', '.config/systemd', '.config/systemd/user', '.config/systemd/user/default.target.wants']);
    });

    it('without systemctl --user, writes the unit anyway and prints the commands to run', async () => {
      fresh();
      // systemctl is there, but this session has no user bus (ssh, a container): every call fails.
      const manager = new FakeManager(() => exited(1, '', 'Failed to connect to bus: No medium found\n'));
      expect(await runServiceCommand(['install'], io('linux', manager))).toBe(1);
      expect(existsSync(join(home, '.config', 'systemd', 'user', 'callvault.service'))).toBe(true);
      expect(errText).toBe(
        '`systemctl --user daemon-reload` failed (unknown: this session has no systemd user manager to ask (systemctl said "Failed to connect to bus: No medium found"; usual over ssh, under sudo or in a container; it runs in your desktop session)); callvault will not start at login until these commands run in your session:\n' +
          '  systemctl --user daemon-reload\n' +
          '  systemctl --user enable --now callvault.service\n',
      );
    });

    it('without a user bus, uninstall removes a unit that was never enabled, and refuses to orphan an enabled one', async () => {
      fresh();
      const unit = join(home, '.config', 'systemd', 'user', 'callvault.service');
      let enabled = 'disabled';
      // is-enabled reads files and answers without a bus; everything else fails.
      const manager = new FakeManager((line) => (line.includes('is-enabled') ? exited(1, `${enabled}\n`) : exited(1, '', 'Failed to connect to bus: No medium found\n')));
      await runServiceCommand(['install'], io('linux', manager));
      enabled = 'enabled';
      errText = '';
      expect(await runServiceCommand(['uninstall'], io('linux', manager))).toBe(1);
      expect(existsSync(unit)).toBe(true);
      expect(errText).toContain('systemctl --user disable --now callvault.service');

      enabled = 'disabled';
      expect(await runServiceCommand(['uninstall'], io('linux', manager))).toBe(0);
      expect(existsSync(unit)).toBe(false);
      expect(out).not.toContain('daemon it started was stopped');
    });

    it('uninstall says a daemon still runs when the service manager could not stop it, and that one was stopped only when it was', async () => {
      fresh();
      const env = { CALLVAULT_HOME: join(home, 'cv') };
      // A running daemon, as its lock file names it: this test process stands in for it.
      mkdirSync(join(home, 'cv', 'run'), { recursive: true, mode: 0o700 });
      const lock = join(home, 'cv', 'run', 'daemon.lock');
      const noBus = new FakeManager((line) => (line.includes('is-enabled') ? exited(1, 'disabled\n') : exited(1, '', 'Failed to connect to bus: No medium found\n')));
      await runServiceCommand(['install'], io('linux', noBus, env));
      writeFileSync(lock, `${process.pid}\n`);
      out = '';
      expect(await runServiceCommand(['uninstall'], io('linux', noBus, env))).toBe(0);
      expect(out).toContain(`callvault no longer starts at login. Nothing was stopped: the daemon still runs (pid ${process.pid}; to stop it: kill ${process.pid}).`);
      expect(out).not.toContain('daemon it started was stopped');

      // With systemd answering, `disable --now` stops the unit's daemon: the lock is gone by then.
      const manager = new FakeManager((line) => (line.includes('disable --now') ? (rmSync(lock), exited(0)) : exited(0, line.includes('is-enabled') ? 'enabled\n' : '')));
      await runServiceCommand(['install'], io('linux', manager, env));
      out = '';
      expect(await runServiceCommand(['uninstall'], io('linux', manager, env))).toBe(0);
      expect(out).toContain('callvault no longer starts at login. The daemon it started was stopped.');
    });

    it('where systemctl does not exist at all, nothing can be enabled: uninstall just removes the file', async () => {
      fresh();
      const manager = new FakeManager(() => ({ kind: 'not-found' }));
      expect(await runServiceCommand(['install'], io('linux', manager))).toBe(1);
      expect(errText).toMatch(/^systemctl is not available here; callvault will not start at login/);
      expect(await runServiceCommand(['uninstall'], io('linux', manager))).toBe(0);
      expect(tree(home)).toEqual(['.config']);
    });

    it('honours XDG_CONFIG_HOME, and puts an absolute CALLVAULT_HOME in the unit and the autostart entry', async () => {
      fresh();
      const config = join(home, 'xdg');
      const manager = new FakeManager();
      await runServiceCommand(['install'], io('linux', manager, { XDG_CONFIG_HOME: config, CALLVAULT_HOME: 'demo' }));
      const unit = readFileSync(join(config, 'systemd', 'user', 'callvault.service'), 'utf8');
      expect(unit).toContain('\nEnvironment="CALLVAULT_HOME=/work/here/demo"\n');
      const entry = readFileSync(join(config, 'autostart', 'callvault-tray.desktop'), 'utf8');
      expect(entry).toContain('\nExec=env CALLVAULT_HOME=/work/here/demo /usr/bin/node /opt/callvault/bin/callvault.js tray\n');
      expect(tree(home)).toEqual(['xdg', 'xdg/autostart', 'xdg/autostart/callvault-tray.desktop', 'xdg/systemd', 'xdg/systemd/user', 'xdg/systemd/user/callvault.service']);
    });

    it('quotes an Exec word the way the Desktop Entry Specification says', () => {
      const odd = { node: '/opt/my node/bin/node', script: '/home/me/a"b$c`d\\e%f/bin/callvault.js' };
      const exec = /\nExec=(.*)\n/.exec(trayAutostartEntry({ launch: odd, callvaultHome: '/home/me/cv home' }))?.[1];
      // Quoting first ("\\" for a backslash), then the string escape doubles every backslash again; % is doubled.
      expect(exec).toBe('env "CALLVAULT_HOME=/home/me/cv home" "/opt/my node/bin/node" "/home/me/a\\\\"b\\\\$c\\\\`d\\\\\\\\e%%f/bin/callvault.js" tray');
    });

    it('reports status: the file, and what systemd says', async () => {
      fresh();
      const manager = new FakeManager((line) => (line.includes('is-enabled') ? exited(0, 'enabled\n') : line.includes('is-active') ? exited(3, 'inactive\n') : exited(0)));
      // Nothing installed is an answer, not an error.
      expect(await runServiceCommand(['status'], io('linux', manager))).toBe(0);
      expect(out).toBe('callvault login service (systemd user unit)\n  not installed (to start callvault at login: callvault service install)\n');
      out = '';
      await runServiceCommand(['install'], io('linux', manager));
      out = '';
      expect(await runServiceCommand(['status'], io('linux', manager))).toBe(0);
      const file = join(home, '.config', 'systemd', 'user', 'callvault.service');
      const entry = join(home, '.config', 'autostart', 'callvault-tray.desktop');
      expect(out).toBe(
        `callvault login service (systemd user unit)\n  systemd user unit: ${file} (installed)\n  tray autostart entry: ${entry} (installed)\n  enabled: enabled\n  running: inactive\n`,
      );
      // After an upgrade of node, the unit points at the old one: status says so.
      out = '';
      await runServiceCommand(['status'], { ...io('linux', manager), launch: { ...launch, node: '/usr/local/bin/node' } });
      expect(out).toContain('not what install would write now');
    });

    it('status without a user bus says what that means instead of systemctl’s words alone', async () => {
      fresh();
      const manager = new FakeManager((line) => (line.includes('is-enabled') ? exited(0, 'enabled\n') : exited(1, '', 'Failed to connect to bus: No medium found\n')));
      await runServiceCommand(['install'], io('linux', manager));
      out = '';
      expect(await runServiceCommand(['status'], io('linux', manager))).toBe(0);
      expect(out).toContain('  running: unknown: this session has no systemd user manager to ask (systemctl said "Failed to connect to bus: No medium found"; usual over ssh');
    });
  });

  describe('on macOS (launchd LaunchAgent)', () => {
    it('writes the plist, bootstraps it into the GUI session, and uninstall leaves nothing behind', async () => {
      fresh();
      mkdirSync(join(home, 'Library', 'LaunchAgents'), { recursive: true });
      const before = tree(home);
      // bootout of a job that is not loaded fails: expected on a first install.
      const manager = new FakeManager((line) => (line.startsWith('launchctl bootout') ? exited(3, '', 'Boot-out failed: 3: No such process') : exited(0)));
      expect(await runServiceCommand(['install'], io('darwin', manager))).toBe(0);
      const file = join(home, 'Library', 'LaunchAgents', 'com.callvault.daemon.plist');
      expect(readFileSync(file, 'utf8')).toBe(launchdPlist({ launch, callvaultHome: null }));
      expect(manager.ran).toEqual(['launchctl bootout gui/1000/com.callvault.daemon', `launchctl bootstrap gui/1000 ${file}`]);
      expect(await runServiceCommand(['uninstall'], io('darwin', manager))).toBe(0);
      expect(manager.ran.at(-1)).toBe('launchctl bootout gui/1000/com.callvault.daemon');
      expect(tree(home)).toEqual(before);
    });
  });

  describe('on Windows (scheduled task)', () => {
    it('creates the task from its XML, starts it, and uninstall deletes both', async () => {
      fresh();
      const appData = join(home, 'AppData', 'Roaming');
      mkdirSync(appData, { recursive: true });
      const before = tree(home);
      const manager = new FakeManager();
      const env = { APPDATA: appData, USERDOMAIN: 'DESKTOP-1', SystemRoot: 'C:\\Windows' };
      expect(await runServiceCommand(['install'], io('win32', manager, env))).toBe(0);
      const file = join(appData, 'callvault', 'callvault-task.xml');
      expect(readFileSync(file)).toEqual(encodeUtf16(windowsTaskXml({ launch, callvaultHome: null, userId: 'DESKTOP-1\\me', systemRoot: 'C:\\Windows' })));
      expect(manager.ran).toEqual([`schtasks /Create /TN callvault /XML ${file} /F`, 'schtasks /Run /TN callvault']);
      expect(await runServiceCommand(['uninstall'], io('win32', manager, env))).toBe(0);
      expect(manager.ran.slice(2)).toEqual(['schtasks /End /TN callvault', 'schtasks /Delete /TN callvault /F']);
      expect(tree(home)).toEqual(before);
    });
  });

  it('says plainly where starting at login is not supported, and refuses unknown actions', async () => {
    fresh();
    expect(await runServiceCommand(['install'], io('freebsd', new FakeManager()))).toBe(1);
    expect(errText).toMatch(/not supported on freebsd/);
    expect(await runServiceCommand(['start'], io('linux', new FakeManager()))).toBe(2);
    expect(await runServiceCommand([], io('linux', new FakeManager()))).toBe(2);
    expect(tree(home)).toEqual([]);
  });

  it('prints commands the way a shell would take them back', () => {
    expect(formatCommand({ command: 'launchctl', args: ['bootstrap', 'gui/501', '/Users/me/Library/Launch Agents/x.plist'] }, 'darwin')).toBe(
      "launchctl bootstrap gui/501 '/Users/me/Library/Launch Agents/x.plist'",
    );
    expect(formatCommand({ command: 'schtasks', args: ['/XML', 'C:\\Users\\Me Too\\task.xml'] }, 'win32')).toBe('schtasks /XML "C:\\Users\\Me Too\\task.xml"');
  });
});
