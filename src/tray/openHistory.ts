import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { CallvaultLaunch } from '../platform/serviceLaunch.js';

// "Open history": the history viewer is the CLI (`callvault meetings`), so the tray opens a
// terminal running it, with the platform's default terminal where there is one.

export interface TerminalCommand {
  command: string;
  args: string[];
}

/** Terminals to try in order: the first one installed is used. */
export function historyTerminals(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, launch: CallvaultLaunch): TerminalCommand[] {
  const viewer = [launch.node, launch.script, 'meetings'];
  if (platform === 'darwin') {
    const shellLine = viewer.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
    const script = `tell application "Terminal" to do script "${shellLine.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    return [{ command: 'osascript', args: ['-e', script, '-e', 'tell application "Terminal" to activate'] }];
  }
  if (platform === 'win32') {
    // `start` opens a new console window; /k keeps it open after the list is printed.
    return [{ command: 'cmd.exe', args: ['/d', '/c', 'start', '"callvault history"', 'cmd.exe', '/k', ...viewer.map((word) => `"${word}"`)] }];
  }
  // The viewer exits after printing a page; the shell keeps the window open to read it.
  const hold = ['sh', '-c', '"$@"; printf "\\n(press Enter to close) "; read _', 'callvault-history', ...viewer];
  const terminals: TerminalCommand[] = [];
  if (env.TERMINAL) terminals.push({ command: env.TERMINAL, args: ['-e', ...hold] });
  terminals.push(
    { command: 'x-terminal-emulator', args: ['-e', ...hold] },
    { command: 'gnome-terminal', args: ['--', ...hold] },
    { command: 'konsole', args: ['-e', ...hold] },
    { command: 'xfce4-terminal', args: ['-x', ...hold] },
    { command: 'xterm', args: ['-e', ...hold] },
  );
  return terminals;
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  if (command.includes('/')) return isExecutable(command);
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, command)));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the first available terminal, detached so that it outlives the tray. False when none is
 * installed: the caller tells the user the command to run instead.
 */
export function openHistory(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, launch: CallvaultLaunch): boolean {
  // macOS and Windows always have their terminal; elsewhere the first one installed is used.
  const terminal = historyTerminals(platform, env, launch).find((t) => platform === 'darwin' || platform === 'win32' || onPath(t.command, env));
  if (!terminal) return false;
  const child = spawn(terminal.command, terminal.args, { detached: true, stdio: 'ignore', env, windowsVerbatimArguments: platform === 'win32' });
  // A terminal that fails to start is reported by the user not seeing it; the tray carries on.
  child.on('error', () => {});
  child.unref();
  return true;
}
