import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../platform/logger.js';
import { callvaultLaunch } from '../platform/serviceLaunch.js';

/**
 * The tray is its own process, an IPC client like any viewer: a tray crash never touches the
 * daemon. It is started once the socket listens and ended (SIGTERM, by its pid) at shutdown. Its
 * exit is logged, not retried: it exits 1 when it cannot show an icon, and a loop would not help.
 */
export class TrayProcess {
  private child: ChildProcess | null = null;

  constructor(
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(): void {
    const { node, script } = callvaultLaunch();
    const child = spawn(node, [script, 'tray'], { env: this.env, stdio: ['ignore', 'ignore', 'ignore'], detached: false });
    this.child = child;
    child.once('error', (e) => this.log.warn({ err: e.message }, 'the tray could not be started'));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = null;
      this.log.info({ code, signal }, 'tray exited');
    });
    this.log.info({ pid: child.pid }, 'tray started');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}
