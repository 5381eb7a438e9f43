import { dirname, join, resolve } from 'node:path';
import { resolvePaths } from './paths.js';
import {
  encodeUtf16,
  LAUNCHD_LABEL,
  launchdPlist,
  SYSTEMD_UNIT_NAME,
  systemdUnit,
  TRAY_AUTOSTART_NAME,
  trayAutostartEntry,
  WINDOWS_TASK_NAME,
  windowsTaskXml,
  type ServiceSpec,
} from './serviceFiles.js';
import type { CallvaultLaunch } from './serviceLaunch.js';

// Each platform's service manager, as data: where the file goes, which commands load and
// unload it, and what status asks. service.ts runs them.

/** What decides the target: the platform, the user, and what the daemon must run with. */
export interface TargetEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  uid: number;
  username: string;
  /** Resolves a relative CALLVAULT_HOME. */
  cwd: string;
  launch: CallvaultLaunch;
}

export interface Step {
  command: string;
  args: string[];
  /** Failing is an expected answer (e.g. "not loaded" when unloading), not an error. */
  mayFail?: boolean;
}

/** A file install writes and uninstall removes. */
export interface ServiceFile {
  kind: string;
  file: string;
  content: Buffer;
  /** Folders install may have created, innermost first; uninstall removes them when empty. */
  ownDirs: string[];
}

/** One platform's service manager: where the file goes and which commands load and unload it. */
export interface ServiceTarget extends ServiceFile {
  /** Files that go with the service's own and need no manager (the tray's autostart entry). */
  companions: ServiceFile[];
  enable: Step[];
  /** Run before the file is removed. */
  disable: Step[];
  /** When this step prints `answer`, nothing was ever enabled and `disable` is skipped. */
  neverEnabled?: { step: Step; answer: string };
  /** Run after the file is removed. */
  afterRemove: Step[];
  /** What status asks the manager; `output` shows its first line, `exit-code` a yes or no. */
  status: Array<{ label: string; step: Step; show: 'output' | 'exit-code' }>;
}

/** What the service runs: this node and script, with CALLVAULT_HOME made absolute (a service does not start in the current folder). */
export function serviceSpec(where: TargetEnv): ServiceSpec {
  const home = where.env.CALLVAULT_HOME;
  return { launch: where.launch, callvaultHome: home ? resolve(where.cwd, home) : null };
}

/** The service manager of `where.platform`, or null where callvault cannot start at login. */
export function serviceTarget(where: TargetEnv): ServiceTarget | null {
  const spec = serviceSpec(where);
  if (where.platform === 'linux') {
    const xdg = where.env.XDG_CONFIG_HOME;
    const configBase = xdg && xdg.startsWith('/') ? xdg : join(where.home, '.config');
    const systemctl = (...args: string[]): Step => ({ command: 'systemctl', args: ['--user', ...args] });
    return {
      kind: 'systemd user unit',
      file: join(configBase, 'systemd', 'user', SYSTEMD_UNIT_NAME),
      content: Buffer.from(systemdUnit(spec)),
      ownDirs: [join(configBase, 'systemd', 'user'), join(configBase, 'systemd')],
      // The unit starts the daemon before the desktop session, without a display; the session
      // starts the tray (XDG autostart), which waits for the daemon.
      companions: [{ kind: 'tray autostart entry', file: join(configBase, 'autostart', TRAY_AUTOSTART_NAME), content: Buffer.from(trayAutostartEntry(spec)), ownDirs: [join(configBase, 'autostart')] }],
      enable: [systemctl('daemon-reload'), systemctl('enable', '--now', SYSTEMD_UNIT_NAME)],
      disable: [systemctl('disable', '--now', SYSTEMD_UNIT_NAME)],
      // is-enabled reads the unit folders and works without a user bus (ssh, containers), where
      // an install could write the unit but not enable it.
      neverEnabled: { step: systemctl('is-enabled', SYSTEMD_UNIT_NAME), answer: 'disabled' },
      afterRemove: [systemctl('daemon-reload')],
      status: [
        { label: 'enabled', step: systemctl('is-enabled', SYSTEMD_UNIT_NAME), show: 'output' },
        { label: 'running', step: systemctl('is-active', SYSTEMD_UNIT_NAME), show: 'output' },
      ],
    };
  }
  if (where.platform === 'darwin') {
    const file = join(where.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    const service = `gui/${where.uid}/${LAUNCHD_LABEL}`;
    const bootout: Step = { command: 'launchctl', args: ['bootout', service], mayFail: true };
    return {
      kind: 'launchd LaunchAgent',
      file,
      content: Buffer.from(launchdPlist(spec)),
      ownDirs: [],
      // A LaunchAgent runs in the user's GUI session: the daemon starts the tray itself.
      companions: [],
      // bootstrap refuses a label that is loaded already (an earlier install): unload it first.
      enable: [bootout, { command: 'launchctl', args: ['bootstrap', `gui/${where.uid}`, file] }],
      disable: [bootout],
      afterRemove: [],
      status: [{ label: 'loaded', step: { command: 'launchctl', args: ['print', service] }, show: 'exit-code' }],
    };
  }
  if (where.platform === 'win32') {
    const file = join(resolvePaths({ platform: where.platform, env: where.env, home: where.home, uid: where.uid, username: where.username }).config, 'callvault-task.xml');
    const userId = where.env.USERDOMAIN ? `${where.env.USERDOMAIN}\\${where.username}` : where.username;
    const systemRoot = where.env.SystemRoot ?? where.env.SYSTEMROOT ?? 'C:\\Windows';
    const schtasks = (...args: string[]): Step => ({ command: 'schtasks', args });
    return {
      kind: 'scheduled task at logon',
      file,
      content: encodeUtf16(windowsTaskXml({ ...spec, userId, systemRoot })),
      // callvault's own config folder, made by install when the daemon never ran.
      ownDirs: [dirname(file)],
      // A logon task runs in the user's session: the daemon starts the tray itself.
      companions: [],
      enable: [schtasks('/Create', '/TN', WINDOWS_TASK_NAME, '/XML', file, '/F'), schtasks('/Run', '/TN', WINDOWS_TASK_NAME)],
      disable: [{ ...schtasks('/End', '/TN', WINDOWS_TASK_NAME), mayFail: true }, schtasks('/Delete', '/TN', WINDOWS_TASK_NAME, '/F')],
      afterRemove: [],
      status: [{ label: 'registered', step: schtasks('/Query', '/TN', WINDOWS_TASK_NAME, '/FO', 'LIST'), show: 'exit-code' }],
    };
  }
  return null;
}
