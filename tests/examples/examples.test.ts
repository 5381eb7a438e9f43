import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { IpcClient } from '../../src/ipc/client.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { ChildDaemon, client, connectAccount, Home, REPO, simConfig, syncAndWait } from '../helpers/daemonHarness.js';
import { describeWith } from '../helpers/realComponents.js';

// The examples the README shows, run as a local app runs them: their own process, against a real
// daemon (`callvault daemon`, the compiled dist/), finding it through CALLVAULT_HOME. The Python
// one uses the standard library only; the Node one imports `callvault/client` (package exports).

const run = promisify(execFile);

// Both examples share one daemon; the Node one needs no Python, but a machine without python3
// cannot build better-sqlite3 either.
describeWith('python3', 'the IPC examples, against a real daemon', () => {
  let sim: Simulator;
  let home: Home;
  let daemon: ChildDaemon;
  let c: IpcClient;
  const accounts: string[] = [];
  let word = '';

  beforeAll(async () => {
    sim = await startSimulator({ seed: 16, accounts: [{ plan: 'business', users: [{}, {}] }] });
    home = new Home();
    home.writeConfig(simConfig(sim, { sync: { schedule: '0 3 * * 1', jitterSeconds: 0 } }));
    daemon = await ChildDaemon.start(home);
    c = await client(home);
    for (const user of sim.admin.users()) {
      const key = await connectAccount(c, sim, user.userId);
      expect((await syncAndWait(c, key)).error).toBeNull();
      accounts.push(key);
    }
    const page = await c.call('meetings.list', { limit: 1 });
    word = page.ok ? (page.value.items[0]?.topic.split(/[^A-Za-z]+/).find((w) => w.length > 3) ?? '') : '';
    expect(word).not.toBe('');
  });

  afterAll(async () => {
    await c?.close();
    await daemon?.stop();
    await sim?.close();
    home?.remove();
  });

  const env = (): NodeJS.ProcessEnv => ({ ...process.env, CALLVAULT_HOME: home.dir });

  /** The lines every example prints, whatever its language. */
  function expectTheStory(out: string, purged: string, hits: RegExp): void {
    expect(out).toMatch(/^daemon \S+, protocol 2, 2 account\(s\)$/m);
    expect(out).toMatch(/^page 1: 5 meetings, page 2: 5 meetings$/m);
    expect(out).toMatch(hits);
    expect(out).toContain('subscribed: data.wiped');
    const receipt = new RegExp(`^purged ${purged}: receipt (\\S+)$`, 'm').exec(out)?.[1];
    expect(receipt).toBeDefined();
    expect(out).toContain(`event data.wiped ${purged} ${receipt}`);
    expect(out).toContain('after the purge: WIPED');
    expect(out).toContain('purge again: same receipt');
  }

  it('the Python 3 client (standard library only): list, page, search, subscribe, purge', async () => {
    const { stdout } = await run('python3', ['-B', '-E', '-s', join(REPO, 'examples', 'python', 'viewer.py'), '--search', word, '--purge', accounts[0]!], {
      env: env(),
      cwd: join(REPO, 'examples', 'python'),
    });
    expectTheStory(stdout, accounts[0]!, new RegExp(`^search '${word}': [1-9]\\d* hits$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^account ${accounts[1]}: active, \\d+ meetings, data expires in \\d+\\.\\d h$`, 'm'));
  });

  it('the typed Node client (callvault/client): list, page, search, subscribe, purge', async () => {
    const { stdout } = await run(process.execPath, [join(REPO, 'examples', 'node', 'viewer.mjs'), '--search', word, '--purge', accounts[1]!], { env: env() });
    expectTheStory(stdout, accounts[1]!, new RegExp(`^search '${word}': \\d+ hits$`, 'm'));
    expect(stdout).toContain(`account ${accounts[0]}: wiped, 0 meetings, no data held`);
  });
});
