// The daemon's stop runs a last lease check and closes everything in a fixed order. A SIGTERM that
// comes as soon as the daemon serves (a service manager stopping it at once, a logout) must get
// that stop too, not the default death by signal.
import { existsSync, readdirSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChildDaemon, Home, waitFor } from '../helpers/daemonHarness.js';
import { requireBuild } from './support.js';

describe('the stop order', () => {
  beforeAll(requireBuild);
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a SIGTERM the moment the socket appears still stops the daemon in order: exit 0, socket, token and lock removed', async () => {
    const home = new Home();
    cleanups.push(async () => home.remove());
    home.writeConfig({});
    const daemon = new ChildDaemon(home);
    cleanups.push(() => daemon.kill());
    const { socketPath } = home.endpoint();
    await waitFor(() => existsSync(socketPath) || !daemon.running, 20_000, 1);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exit).toBe(0);
    expect(daemon.child.signalCode).toBeNull();
    expect(readdirSync(home.paths.runtime)).toEqual([]);
  });
});
