// Opens a URL in the user's browser with the platform's opener, run directly (no shell, so the
// `&`s of an authorize URL are not interpreted). False when no opener worked: the caller then
// shows the URL for the user to open.

import { spawn } from 'node:child_process';
import { systemClock, type Clock } from '../core/clock.js';

export type OpenUrl = (url: string) => Promise<boolean>;

export interface OpenerCommand {
  command: string;
  /** The arguments before the URL. */
  args: string[];
}

/** `start` is a cmd.exe builtin that would parse the URL; rundll32 hands it to the default browser as is. */
export function openerCommands(platform: NodeJS.Platform = process.platform): OpenerCommand[] {
  if (platform === 'darwin') return [{ command: 'open', args: [] }];
  if (platform === 'win32') return [{ command: 'rundll32', args: ['url.dll,FileProtocolHandler'] }];
  return [
    { command: 'xdg-open', args: [] },
    { command: 'gio', args: ['open'] },
  ];
}

/** An opener still running after this long has most likely handed the URL to a browser. */
const SETTLE_MS = 5_000;

function runOpener(opener: OpenerCommand, url: string, clock: Clock): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (opened: boolean): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      resolve(opened);
    };
    const child = spawn(opener.command, [...opener.args, url], { stdio: 'ignore', detached: true, shell: false });
    const timer = clock.setTimeout(() => {
      child.unref();
      finish(true);
    }, SETTLE_MS);
    child.once('error', () => finish(false));
    child.once('exit', (code) => finish(code === 0));
  });
}

export function createUrlOpener(commands: OpenerCommand[] = openerCommands(), clock: Clock = systemClock): OpenUrl {
  return async (url) => {
    for (const opener of commands) {
      if (await runOpener(opener, url, clock)) return true;
    }
    return false;
  };
}

export const openUrlInBrowser: OpenUrl = createUrlOpener();
