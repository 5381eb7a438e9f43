// Installs the npm dependencies when they are missing or do not match package-lock.json, so
// `npm start` and `npm test` work on a fresh clone with nothing typed before them. Uses only
// Node's own modules: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Why node_modules does not match the lockfile, or null when it does. npm writes what it installed
 * to node_modules/.package-lock.json; optional packages for other platforms are never installed.
 */
export function staleReason(dir = root) {
  const wanted = readJson(join(dir, 'package-lock.json'))?.packages;
  if (!wanted) return 'package-lock.json is missing or unreadable';
  const installed = readJson(join(dir, 'node_modules', '.package-lock.json'))?.packages;
  if (!installed) return 'node_modules is missing';
  for (const [path, entry] of Object.entries(wanted)) {
    if (path === '') continue;
    const have = installed[path];
    if (!have) {
      if (entry.optional) continue;
      return `${path.replace(/^.*node_modules\//, '')} is not installed`;
    }
    if (have.version !== entry.version) return `${path.replace(/^.*node_modules\//, '')} is ${have.version}, the lockfile says ${entry.version}`;
  }
  return null;
}

/** Runs `npm ci` when needed; returns false when it failed. */
export function ensureDependencies({ dir = root, log = (line) => process.stdout.write(`${line}\n`) } = {}) {
  const reason = staleReason(dir);
  if (reason === null) return true;
  log(`callvault: installing the npm dependencies (${reason}); the native modules compile from source, which takes a minute or two`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    log(`callvault: npm ci failed (exit ${result.status ?? result.signal}); see its output above`);
    return false;
  }
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = ensureDependencies() ? 0 : 1;
}
