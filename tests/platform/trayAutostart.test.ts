import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runServiceCommand, type CommandOutcome } from '../../src/platform/service.js';
import { waitFor } from '../helpers/daemonHarness.js';
import { describeWith } from '../helpers/realComponents.js';

// The tray's XDG autostart entry, as the desktop sees it: Debian's checker accepts it, and GLib's
// launcher (what GNOME and others start autostart entries with) runs exactly the command install
// meant, even from a checkout whose path holds spaces, quotes, `$`, a backslash and `%`.

const systemdAnswersYes = (): CommandOutcome => ({ kind: 'exited', code: 0, stdout: '', stderr: '' });

describeWith('desktop-entry', 'the tray autostart entry', () => {
  let home = '';
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  /** `callvault service install` into a private home; returns the autostart entry it wrote. */
  async function install(launch: { node: string; script: string }, env: NodeJS.ProcessEnv): Promise<string> {
    let errors = '';
    const code = await runServiceCommand(['install'], {
      platform: 'linux',
      env,
      home,
      uid: 1000,
      username: 'me',
      cwd: home,
      launch,
      run: systemdAnswersYes,
      out: () => {},
      err: (text) => (errors += text),
    });
    expect(code, errors).toBe(0);
    return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'autostart', 'callvault-tray.desktop');
  }

  function validate(entry: string): { status: number | null; output: string } {
    const run = spawnSync('desktop-file-validate', [entry], { encoding: 'utf8' });
    return { status: run.status, output: run.stdout + run.stderr };
  }

  it('passes desktop-file-validate, with and without a CALLVAULT_HOME', async () => {
    home = mkdtempSync(join(tmpdir(), 'cv-autostart-'));
    const plain = await install({ node: '/usr/bin/node', script: '/opt/callvault/bin/callvault.js' }, {});
    expect(validate(plain)).toEqual({ status: 0, output: '' });
    const withHome = await install({ node: '/usr/bin/node', script: '/opt/callvault/bin/callvault.js' }, { XDG_CONFIG_HOME: join(home, 'xdg'), CALLVAULT_HOME: 'cv' });
    expect(validate(withHome)).toEqual({ status: 0, output: '' });
  });

  it('gio launch runs node on this checkout’s script with `tray` and the CALLVAULT_HOME, however odd the paths', async () => {
    home = mkdtempSync(join(tmpdir(), 'cv-autostart-'));
    const odd = join(home, `it's a "checkout" $HOME \`x\` 100% \\ (mine)`);
    mkdirSync(join(odd, 'bin'), { recursive: true });
    const record = join(home, 'launched.json');
    // Stands in for bin/callvault.js: writes down how it was started.
    const script = join(odd, 'bin', 'callvault.js');
    writeFileSync(script, `require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(1), home: process.env.CALLVAULT_HOME }));\n`);
    const callvaultHome = join(home, 'data $HOME');
    const entry = await install({ node: process.execPath, script }, { CALLVAULT_HOME: callvaultHome });
    expect(validate(entry)).toEqual({ status: 0, output: '' });

    const launched = spawnSync('gio', ['launch', entry], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home } });
    expect(launched.status, launched.stderr).toBe(0);
    await waitFor(() => existsSync(record) && readFileSync(record, 'utf8').length > 0, 20_000);
    expect(JSON.parse(readFileSync(record, 'utf8'))).toEqual({ argv: [script, 'tray'], home: callvaultHome });
  });
});
