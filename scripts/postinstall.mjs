// Runs after `npm install` / `npm ci`. systray2 2.1.4 ships its tray binaries without the run bit
// (and its own `chmod('+x')` is not a valid mode, so it silently fails): set it here, once, while
// the installing user owns the files. Never fails the install: the tray is optional, and
// `callvault tray` names the problem again if the bit is still missing.
import { chmodSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

function traybinDir() {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('systray2/package.json')), 'traybin');
  } catch {
    return null;
  }
}

const dir = traybinDir();
if (dir === null) {
  process.stdout.write('callvault postinstall: systray2 is not installed; the tray will not be available\n');
} else {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      chmodSync(path, 0o755);
    } catch (error) {
      process.stderr.write(`callvault postinstall: could not make ${path} executable (${error.code ?? error.message}); run: chmod +x ${path}\n`);
    }
  }
}
