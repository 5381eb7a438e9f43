// A real Secret Service for the keyring tests: a private D-Bus session bus (dbus-run-session) with
// gnome-keyring answering on it, its login keyring created and unlocked with a password, in
// folders of its own. Closing it ends the bus, and gnome-keyring with it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const PASSWORD = 'callvault-test-keyring';

/** Waits (by asking the bus, not by sleeping a guess) until gnome-keyring owns the Secret Service name. */
const WAIT_FOR_SERVICE = `until dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q true; do sleep 0.01; done`;

// Runs inside dbus-run-session: starts gnome-keyring (which creates the login keyring unlocked with
// the password on stdin), prints the bus address once the service answers, then holds the session
// open until the test closes stdin.
/** Waits until the login keyring says it is unlocked (after a replacement, the old daemon may answer first). */
const WAIT_FOR_UNLOCKED = `until dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets/collection/login org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null | grep -q 'boolean false'; do sleep 0.01; done`;

const SESSION = `
printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1
${WAIT_FOR_SERVICE}
${WAIT_FOR_UNLOCKED}
echo "$DBUS_SESSION_BUS_ADDRESS"
exec cat >/dev/null
`;

export class SecretService {
  private constructor(
    private readonly session: ChildProcess,
    private readonly dir: string,
    /** What a process needs in its environment to use this Secret Service. */
    readonly env: { DBUS_SESSION_BUS_ADDRESS: string; XDG_DATA_HOME: string; XDG_RUNTIME_DIR: string },
  ) {}

  static async start(): Promise<SecretService> {
    const dir = mkdtempSync(join(tmpdir(), 'cv-keyring-'));
    const folders = { XDG_DATA_HOME: join(dir, 'data'), XDG_RUNTIME_DIR: join(dir, 'run') };
    execFileSync('mkdir', ['-p', '-m', '0700', folders.XDG_DATA_HOME, folders.XDG_RUNTIME_DIR]);
    const session = spawn('dbus-run-session', ['--', 'sh', '-c', SESSION], {
      env: { ...process.env, ...folders, KEYRING_PASSWORD: PASSWORD },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    session.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const address = await new Promise<string | null>((resolve) => {
      const lines = createInterface({ input: session.stdout! });
      lines.once('line', (line) => resolve(line.trim()));
      session.once('exit', () => resolve(null));
    });
    if (!address) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`the Secret Service did not start: ${stderr}`);
    }
    return new SecretService(session, dir, { DBUS_SESSION_BUS_ADDRESS: address, ...folders });
  }

  private run(command: string, args: string[], input?: string): string {
    return execFileSync(command, args, { env: { ...process.env, ...this.env }, input, encoding: 'latin1', stdio: ['pipe', 'pipe', 'ignore'] });
  }

  /** The names (usernames) of the entries kept under `service`, as the keyring itself lists them. */
  entries(service: string): string[] {
    // secret-tool prints each item's attributes on stderr and its secret on stdout.
    const search = spawnSync('secret-tool', ['search', '--all', 'service', service], { env: { ...process.env, ...this.env }, encoding: 'latin1' });
    if (search.status !== 0 && search.stderr.trim() !== '') throw new Error(`secret-tool: ${search.stderr}`);
    const listing = search.stderr;
    return [...listing.matchAll(/^attribute\.username = (.*)$/gm)].map((m) => m[1]!).sort();
  }

  /** Locks the login keyring, as a screen lock or a keyring manager would. */
  lock(): void {
    this.run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login']);
  }

  /**
   * Unlocks it again with its password (a new gnome-keyring replaces the first, on the same files),
   * and returns once it hands out a secret.
   */
  unlock(): void {
    this.run('sh', ['-c', `printf %s "$0" | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null && ${WAIT_FOR_UNLOCKED}`, PASSWORD]);
  }

  /** Ends the session: the bus goes, and gnome-keyring with it. */
  async stop(): Promise<void> {
    if (this.session.exitCode === null && this.session.signalCode === null) {
      const exited = new Promise((resolve) => this.session.once('exit', resolve));
      this.session.stdin!.end();
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
