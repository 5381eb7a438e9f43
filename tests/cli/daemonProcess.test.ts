import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { ChildDaemon, Home, client, connectAccount, exited, simConfig, spawnDaemon, syncAndWait } from '../helpers/daemonHarness.js';
import { CliRunner, filesText, requireBuild, waitUntil, zoomSecrets, type RunningCli } from './helpers.js';

// `callvault daemon` as a child process: refusing a bad config, a second start, and SIGTERM.

/** The files whose presence means a daemon runs (or ran and did not clean up). */
function traces(home: Home): Record<string, boolean> {
  const { socketPath, tokenFile } = home.endpoint();
  return {
    socket: existsSync(socketPath),
    token: existsSync(tokenFile),
    lock: existsSync(join(home.paths.runtime, 'daemon.lock')),
  };
}

const NONE = { socket: false, token: false, lock: false };

beforeAll(() => requireBuild());

describe('callvault daemon with a bad config', () => {
  const homes: Home[] = [];
  afterEach(() => {
    for (const home of homes.splice(0)) home.remove();
  });

  const cases: Array<{ what: string; config: unknown; field: string }> = [
    { what: 'an unknown key', config: { plan: 'pro', sync: { schedule: '*/15 * * * *', interval: 5 } }, field: 'sync.interval' },
    { what: 'a bad cron expression', config: { sync: { schedule: '*/15 * * *' } }, field: 'sync.schedule' },
    { what: 'a bad time zone', config: { sync: { timezone: 'Mars/Olympus_Mons' } }, field: 'sync.timezone' },
  ];
  for (const { what, config, field } of cases) {
    it(`exits 2 naming the field for ${what}, and starts nothing`, async () => {
      const home = new Home();
      homes.push(home);
      mkdirSync(home.paths.config, { recursive: true });
      writeFileSync(join(home.paths.config, 'config.json'), JSON.stringify(config));
      const child = spawnDaemon(home);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      expect(await exited(child)).toBe(2);
      expect(stderr).toContain(field);
      expect(stderr).toContain('config.json');
      expect(stdout).toBe('');
      expect(traces(home)).toEqual(NONE);
      expect(existsSync(join(home.paths.data, 'control.db'))).toBe(false);
    });
  }
});

describe('callvault daemon as a process', () => {
  let sim: Simulator;
  let home: Home;
  const children: ChildDaemon[] = [];
  beforeAll(async () => {
    sim = await startSimulator({ seed: 41, accounts: [{ plan: 'business', users: [{}] }] });
    return () => sim.close();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await child.stop().catch(() => child.kill());
    home?.remove();
  });

  function newHome(): Home {
    home = new Home();
    home.writeConfig(simConfig(sim, { sync: { schedule: '0 3 * * 1', jitterSeconds: 0 }, log: { level: 'debug' } }));
    return home;
  }

  it('a second `callvault daemon` says one is running, exits 0, and leaves the first undisturbed', async () => {
    newHome();
    const first = await ChildDaemon.start(home);
    children.push(first);
    const c = await client(home);
    try {
      const socketInode = statSync(home.endpoint().socketPath).ino;
      const token = readFileSync(home.endpoint().tokenFile, 'utf8');
      const lock = readFileSync(join(home.paths.runtime, 'daemon.lock'), 'utf8');

      const second = spawnDaemon(home);
      let stdout = '';
      second.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      expect(await exited(second)).toBe(0);
      expect(stdout).toContain('already running');
      expect(stdout).toContain(String(first.pid));

      // The first one's connection, socket, token and lock are as they were.
      const status = await c.call('status');
      expect(status.ok && status.value.pid).toBe(first.pid);
      expect(statSync(home.endpoint().socketPath).ino).toBe(socketInode);
      expect(readFileSync(home.endpoint().tokenFile, 'utf8')).toBe(token);
      expect(readFileSync(join(home.paths.runtime, 'daemon.lock'), 'utf8')).toBe(lock);
      const fresh = await new CliRunner(home).run('status', '--json');
      expect(fresh.code).toBe(0);
      expect((JSON.parse(fresh.stdout) as { pid: number }).pid).toBe(first.pid);
      expect(first.child.exitCode).toBeNull();
    } finally {
      await c.close();
    }
  });

  it('SIGTERM mid-sync stops it cleanly: exit 0, no socket, lock or token left, its log in stop order; waiting viewers end', async () => {
    newHome();
    const daemon = await ChildDaemon.start(home);
    children.push(daemon);
    const c = await client(home);
    const cli = new CliRunner(home);
    const running: RunningCli[] = [];
    try {
      const user = sim.admin.users()[0]!;
      const account = await connectAccount(c, sim, user.userId);
      expect((await syncAndWait(c, account)).error).toBeNull();
      const watch = cli.start('watch');
      running.push(watch);
      await watch.waitForOutput(/Watching daemon events/);

      // Zoom holds the next request, so the sync that `sync --wait` asks for is still running at SIGTERM.
      sim.admin.setFaults({ next: [{ kind: 'timeout', count: 1 }] });
      const syncWait = cli.start('sync', '--wait');
      running.push(syncWait);
      await waitUntil(async () => {
        const status = await c.call('status');
        return status.ok && status.value.accounts[0]?.syncing !== null;
      });
      expect(traces(home)).toEqual({ socket: true, token: true, lock: true });

      expect(await daemon.stop()).toBe(0);
      expect(traces(home)).toEqual(NONE);
      const log = readFileSync(join(home.paths.logs, 'daemon.log'), 'utf8');
      const messages = log
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      const order = ['daemon stopping', 'IPC server closed', 'daemon stopped'].map((msg) => messages.lastIndexOf(msg));
      expect(order.every((index) => index >= 0)).toBe(true);
      expect(order).toEqual([...order].sort((x, y) => x - y));
      expect(messages.at(-1)).toBe('daemon stopped');

      // Viewers waiting on the daemon learn that it is gone: they end, say so, with the not-running code.
      for (const viewer of running) {
        expect(await viewer.exitWithin(10_000)).toBe(3);
        expect(viewer.stderr).toContain('callvault daemon');
      }
      const after = await cli.run('status');
      expect(after.code).toBe(3);
      expect(after.stderr).toContain('callvault daemon');
      const logs = filesText(home.paths.logs);
      for (const secret of zoomSecrets(sim)) {
        for (const file of logs) expect(file.text).not.toContain(secret);
        for (const viewer of running) expect(viewer.stdout + viewer.stderr).not.toContain(secret);
      }
    } finally {
      sim.admin.setFaults({});
      for (const viewer of running) viewer.kill();
      await c.close();
    }
  });
});
