// Runs before `npm test`: installs the npm dependencies when they are missing or stale, then the
// Debian packages of the real components the suite uses (scripts/components.mjs) where this user
// may install them (root, or sudo without a password). Elsewhere the tests that need a missing
// component are skipped and named at the end of the run; with CI=true they fail instead.
// CALLVAULT_NO_INSTALL=1 leaves the system's packages alone.
import { spawnSync } from 'node:child_process';
import { COMPONENTS, installCommand, missingComponents, onPath } from './components.mjs';
import { ensureDependencies } from './ensure-deps.mjs';

const say = (line) => process.stdout.write(`callvault setup: ${line}\n`);

/** The prefix that runs a command as root, or null when this user may not. */
function rootPrefix() {
  if (process.getuid?.() === 0) return [];
  if (onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return ['sudo', '-n'];
  return null;
}

function run(prefix, args) {
  const [command, ...rest] = [...prefix, ...args];
  const result = spawnSync(command, rest, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

function installSystemPackages() {
  const missing = missingComponents();
  if (missing.length === 0) return;
  const names = missing.map((m) => m.name).join(', ');
  if (process.env.CALLVAULT_NO_INSTALL === '1') {
    say(`not installing ${names} (CALLVAULT_NO_INSTALL=1)`);
    return;
  }
  const prefix = rootPrefix();
  if (process.platform !== 'linux' || !onPath('apt-get') || prefix === null) {
    say(`${names} missing here and cannot be installed by this user; their tests are named at the end of the run`);
    return;
  }
  const packages = [...new Set(missing.flatMap((m) => m.packages))];
  say(`installing Debian packages for ${names}: ${packages.join(' ')}`);
  if (!run(prefix, ['apt-get', 'update', '-qq']) || !run(prefix, ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages])) {
    say(`apt-get failed; the tests that need ${names} will say so (${installCommand(missing)})`);
    return;
  }
  for (const still of missingComponents(missing.map((m) => m.name))) say(`${COMPONENTS[still.name].what} is still not usable: ${still.reason}`);
}

if (!ensureDependencies()) process.exit(1);
installSystemPackages();
