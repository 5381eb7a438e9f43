import type { CallvaultLaunch } from './serviceLaunch.js';

// Lines a person pastes into a shell. `npx callvault` in a checkout took 10 to 30 s on its first
// run (with a fresh npm cache) and about 1 s after; an alias to this node and script starts in the
// time node itself takes.

/** A word as a POSIX shell reads it back: bare when safe, else single-quoted. */
export function posixWord(word: string): string {
  return /^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function powershellWord(word: string): string {
  return `'${word.replace(/'/g, "''")}'`;
}

/**
 * The two lines that make `callvault` in a second terminal run this installation against `home`:
 * a POSIX shell's export and alias, or PowerShell's on Windows.
 */
export function shellSetup(launch: CallvaultLaunch, home: string, platform: NodeJS.Platform): string[] {
  if (platform === 'win32') {
    return [`$env:CALLVAULT_HOME = ${powershellWord(home)}`, `function callvault { & ${powershellWord(launch.node)} ${powershellWord(launch.script)} @args }`];
  }
  return [`export CALLVAULT_HOME=${posixWord(home)}`, `alias callvault=${posixWord(`${posixWord(launch.node)} ${posixWord(launch.script)}`)}`];
}
