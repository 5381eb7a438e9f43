// The real components some tests need besides Node: each with the Debian packages that provide it
// and a probe that says, quickly and without side effects, why it is not usable here (null when it
// is). scripts/setup.mjs installs the packages of the missing ones where it may; the tests ask
// tests/helpers/realComponents.ts, which reads this same table. Plain JavaScript on Node's own
// modules: it runs before anything is installed or built.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function onPath(command) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The commands missing from PATH, as a reason naming them, or null. */
function missingCommands(...commands) {
  const missing = commands.filter((command) => !onPath(command));
  return missing.length === 0 ? null : `${missing.join(', ')} not found`;
}

/** Shared libraries a program needs that the loader cannot find, or an empty list. */
export function missingLibraries(program) {
  const ldd = spawnSync('ldd', [program], { encoding: 'utf8' });
  return (ldd.stdout ?? '').split('\n').flatMap((line) => {
    const match = /^\s*(\S+) => not found/.exec(line);
    return match ? [match[1]] : [];
  });
}

/**
 * The folder holding PostgreSQL's initdb and pg_ctl: $PG_BIN, else Debian's newest
 * /usr/lib/postgresql/<version>/bin (Debian keeps them off PATH), else PATH. Null when none has both.
 */
export function postgresBinDir() {
  const candidates = [process.env.PG_BIN];
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  candidates.push(...(process.env.PATH ?? '').split(delimiter));
  const runnable = (dir, program) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  return candidates.find((dir) => dir && runnable(dir, 'initdb') && runnable(dir, 'pg_ctl')) ?? null;
}

const TRAY_PROGRAM = join(root, 'node_modules', 'systray2', 'traybin', 'tray_linux_release');

export const COMPONENTS = {
  'x11-tray': {
    what: 'a real tray under Xvfb (trayer as the tray host, xdotool as the hand, ImageMagick as the eye)',
    // systray2's tray program needs GTK 3 and an appindicator library; a font draws the menu.
    packages: ['xvfb', 'trayer', 'libgtk-3-0', 'libayatana-appindicator3-1', 'xdotool', 'imagemagick', 'fonts-dejavu-core'],
    missing() {
      if (process.platform !== 'linux' || process.arch !== 'x64') return `the tray program runs here only on x86-64 Linux, this is ${process.platform} ${process.arch}`;
      const commands = missingCommands('Xvfb', 'trayer', 'xdotool', 'import', 'convert');
      if (commands) return commands;
      const libraries = missingLibraries(TRAY_PROGRAM);
      return libraries.length === 0 ? null : `the tray program cannot load ${libraries.join(', ')}`;
    },
  },
  'systemd-analyze': {
    what: "systemd's unit checker (`systemd-analyze verify`)",
    packages: ['systemd'],
    missing: () => missingCommands('systemd-analyze'),
  },
  'keyring': {
    what: 'a Secret Service (gnome-keyring on a private D-Bus session bus), where the device key is kept',
    // dbus-run-session gives the test a session bus of its own; gnome-keyring answers on it;
    // secret-tool reads the keyring independently of the library the daemon uses.
    packages: ['dbus', 'gnome-keyring', 'libsecret-tools'],
    missing() {
      if (process.platform !== 'linux') return `the Secret Service is a Linux component, this is ${process.platform}`;
      return missingCommands('dbus-run-session', 'gnome-keyring-daemon', 'secret-tool');
    },
  },
  'postgres': {
    what: 'PostgreSQL (initdb and pg_ctl: each test file starts a cluster of its own in a temporary folder)',
    packages: ['postgresql'],
    missing() {
      if (postgresBinDir() === null) return 'initdb and pg_ctl not found (searched $PG_BIN, /usr/lib/postgresql/*/bin and PATH)';
      // PostgreSQL refuses to run as root: the tests run it as the postgres user the package creates.
      if (process.getuid?.() === 0 && (spawnSync('id', ['-u', 'postgres'], { stdio: 'ignore' }).status !== 0 || !onPath('runuser'))) {
        return 'running as root needs the postgres user and runuser';
      }
      return null;
    },
  },
  python3: {
    what: 'Python 3 (the standard-library IPC client of examples/python runs on it)',
    packages: ['python3'],
    missing: () => missingCommands('python3'),
  },
  'desktop-entry': {
    what: "freedesktop desktop entries: Debian's checker (`desktop-file-validate`) and GLib's launcher (`gio launch`), which starts an entry as a desktop session does",
    packages: ['desktop-file-utils', 'libglib2.0-bin'],
    missing: () => missingCommands('desktop-file-validate', 'gio'),
  },
  'script': {
    what: 'a pseudo-terminal to run the CLI on (`script` from util-linux)',
    packages: ['bsdutils'],
    missing: () => missingCommands('script'),
  },
};

/** The components that are not usable here, with the reason each is not. */
export function missingComponents(names = Object.keys(COMPONENTS)) {
  return names.flatMap((name) => {
    const reason = COMPONENTS[name].missing();
    return reason === null ? [] : [{ name, reason, packages: COMPONENTS[name].packages }];
  });
}

/** The command that installs the packages of these components on Debian. */
export function installCommand(missing) {
  const packages = [...new Set(missing.flatMap((m) => m.packages))];
  return `sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}
