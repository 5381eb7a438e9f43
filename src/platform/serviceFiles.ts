import { daemonCommand, trayCommand, type CallvaultLaunch } from './serviceLaunch.js';

// The files that start callvault at login, as pure functions of what they must run: a systemd
// user unit (Linux), a launchd LaunchAgent (macOS), a Task Scheduler task (Windows), and on Linux
// an XDG autostart entry for the tray. Writing, enabling and removing them is service.ts's job.

export interface ServiceSpec {
  launch: CallvaultLaunch;
  /** An absolute CALLVAULT_HOME the daemon must run under, or null for the platform's folders. */
  callvaultHome: string | null;
}

export const SYSTEMD_UNIT_NAME = 'callvault.service';
export const LAUNCHD_LABEL = 'com.callvault.daemon';
export const WINDOWS_TASK_NAME = 'callvault';
export const TRAY_AUTOSTART_NAME = 'callvault-tray.desktop';

const DESCRIPTION = 'callvault: keeps an offline copy of your Zoom history and deletes it when the grant ends';
const HEADER = 'Written by `callvault service install`; `callvault service uninstall` removes it.';

/**
 * A word of a systemd command line or assignment, double-quoted: C escapes inside the quotes, `%`
 * doubled (specifiers), and in command lines `$` doubled (variable expansion).
 */
function systemdQuote(value: string, context: 'exec' | 'assignment'): string {
  let escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/%/g, '%%');
  if (context === 'exec') escaped = escaped.replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

export function systemdUnit(spec: ServiceSpec): string {
  const [node = '', ...rest] = daemonCommand(spec.launch);
  // The program is quoted; its options and `daemon` are plain words.
  const exec = [systemdQuote(node, 'exec'), ...rest.map((word) => (word === spec.launch.script ? systemdQuote(word, 'exec') : word))].join(' ');
  const lines = [
    `# ${HEADER}`,
    '[Unit]',
    `Description=${DESCRIPTION}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    // "Already running" exits 0 and is left alone; a crash is restarted.
    'Restart=on-failure',
    'RestartSec=5',
    ...(spec.callvaultHome === null ? [] : [`Environment=${systemdQuote(`CALLVAULT_HOME=${spec.callvaultHome}`, 'assignment')}`]),
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ];
  return lines.join('\n');
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function launchdPlist(spec: ServiceSpec): string {
  const string = (value: string): string => `<string>${xmlEscape(value)}</string>`;
  const environment =
    spec.callvaultHome === null
      ? []
      : ['  <key>EnvironmentVariables</key>', '  <dict>', `    <key>CALLVAULT_HOME</key>`, `    ${string(spec.callvaultHome)}`, '  </dict>'];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    `<!-- ${HEADER} -->`,
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  ${string(LAUNCHD_LABEL)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...daemonCommand(spec.launch).map((word) => `    ${string(word)}`),
    '  </array>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    // Relaunched after a crash, not after a clean exit ("already running" exits 0).
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ProcessType</key>',
    `  ${string('Background')}`,
    ...environment,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

export interface WindowsTaskSpec extends ServiceSpec {
  /** `DOMAIN\user`: the task starts at this user's logon only, in their session. */
  userId: string;
  /** %SystemRoot%, for cmd.exe when an environment variable must be set. */
  systemRoot: string;
}

/** The program and arguments of the task; Task Scheduler cannot set environment variables, cmd.exe can. */
export function windowsTaskCommand(spec: WindowsTaskSpec): { command: string; arguments: string } {
  const [node = '', ...rest] = daemonCommand(spec.launch);
  const args = rest.map((word) => (word === spec.launch.script ? `"${word}"` : word)).join(' ');
  const daemon = `"${node}" ${args}`;
  if (spec.callvaultHome === null) return { command: node, arguments: args };
  // /s: cmd strips only the outer quotes and runs the rest as written.
  return { command: `${spec.systemRoot}\\System32\\cmd.exe`, arguments: `/d /s /c "set "CALLVAULT_HOME=${spec.callvaultHome}" && ${daemon}"` };
}

/** Task Scheduler XML (schema 1.2). schtasks reads it as UTF-16, which the declaration names. */
export function windowsTaskXml(spec: WindowsTaskSpec): string {
  const { command, arguments: args } = windowsTaskCommand(spec);
  const user = xmlEscape(spec.userId);
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    `<!-- ${HEADER} -->`,
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    `    <Description>${xmlEscape(DESCRIPTION)}</Description>`,
    `    <URI>\\${WINDOWS_TASK_NAME}</URI>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <LogonTrigger>',
    '      <Enabled>true</Enabled>',
    `      <UserId>${user}</UserId>`,
    '    </LogonTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${user}</UserId>`,
    '      <LogonType>InteractiveToken</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    // The default limit (72 hours) would stop a daemon that is meant to run all session long.
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <RestartOnFailure>',
    '      <Interval>PT1M</Interval>',
    '      <Count>999</Count>',
    '    </RestartOnFailure>',
    '    <Enabled>true</Enabled>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xmlEscape(command)}</Command>`,
    `      <Arguments>${xmlEscape(args)}</Arguments>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}

/** UTF-16LE with a byte order mark: what `schtasks /Create /XML` expects of a file declared UTF-16. */
export function encodeUtf16(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

/**
 * A word of a desktop entry's Exec line (Desktop Entry Specification, "The Exec key"): quoted
 * when it holds a reserved character, with `"`, `` ` ``, `$` and `\` escaped inside the quotes,
 * and `%` doubled (field codes).
 */
function desktopExecWord(word: string): string {
  const quoted = word === '' || /[\s"'\\><~|&;$*?#()`]/.test(word) ? `"${word.replace(/["`$\\]/g, '\\$&')}"` : word;
  return quoted.replace(/%/g, '%%');
}

/** A desktop entry's string value: backslashes escaped (after the Exec quoting), no line breaks. */
function desktopString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(/\r/g, '\\r');
}

/**
 * The XDG autostart entry that starts `callvault tray` when the desktop session starts: a daemon
 * started by systemd at login has no display to show a tray in, the desktop session has. A
 * desktop entry sets no environment, so a CALLVAULT_HOME goes through env(1).
 */
export function trayAutostartEntry(spec: ServiceSpec): string {
  const words = [...(spec.callvaultHome === null ? [] : ['env', `CALLVAULT_HOME=${spec.callvaultHome}`]), ...trayCommand(spec.launch)];
  return [
    `# ${HEADER}`,
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=callvault',
    `Comment=${desktopString(DESCRIPTION)}`,
    `Exec=${desktopString(words.map(desktopExecWord).join(' '))}`,
    'Terminal=false',
    // An entry to start at login, not an application to list in menus.
    'NoDisplay=true',
    '',
  ].join('\n');
}
