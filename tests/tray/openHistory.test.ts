import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { historyTerminals, openHistory } from '../../src/tray/openHistory.js';
import { until } from './fixtures.js';

const launch = { node: '/usr/bin/node', script: "/opt/it's here/bin/callvault.js" };

describe('Open history', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('starts the first terminal installed, running `callvault meetings` with this node and this checkout', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cv-'));
    const record = join(dir, 'args.txt');
    // A stand-in terminal that writes down how it was called.
    const terminal = join(dir, 'x-terminal-emulator');
    writeFileSync(terminal, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${record}'\n`);
    chmodSync(terminal, 0o755);

    expect(openHistory('linux', { PATH: dir }, launch)).toBe(true);
    await until(() => existsSync(record) && readFileSync(record, 'utf8').endsWith('meetings\n'));
    const args = readFileSync(record, 'utf8').trimEnd().split('\n');
    expect(args.slice(0, 3)).toEqual(['-e', 'sh', '-c']);
    expect(args.slice(-3)).toEqual([launch.node, launch.script, 'meetings']);
  });

  it('reports that no terminal exists, so the tray can name the command instead', () => {
    dir = mkdtempSync(join(tmpdir(), 'cv-'));
    expect(openHistory('linux', { PATH: dir }, launch)).toBe(false);
  });

  it('prefers $TERMINAL, and uses Terminal.app on macOS and a new console on Windows', () => {
    expect(historyTerminals('linux', { TERMINAL: 'kitty' }, launch)[0]?.command).toBe('kitty');
    const mac = historyTerminals('darwin', {}, launch)[0];
    expect(mac?.command).toBe('osascript');
    // The shell line is single-quoted for the shell, then escaped for AppleScript's string.
    expect(mac?.args[1]).toBe(`tell application "Terminal" to do script "'/usr/bin/node' '/opt/it'\\\\''s here/bin/callvault.js' 'meetings'"`);
    const windows = historyTerminals('win32', {}, { node: 'C:\\node\\node.exe', script: 'C:\\cv\\bin\\callvault.js' })[0];
    expect([windows?.command, ...(windows?.args ?? [])].join(' ')).toBe('cmd.exe /d /c start "callvault history" cmd.exe /k "C:\\node\\node.exe" "C:\\cv\\bin\\callvault.js" "meetings"');
  });
});
