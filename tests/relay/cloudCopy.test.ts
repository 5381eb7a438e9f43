import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import type { SimUser } from '../../src/sim/index.js';
import { compliance, enrollAs, newDeviceIdentity, startWorld, waitFor, type World } from './fixture.js';

describe('the cloud-copy hook', () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 3, 10, 0, 0));
  let world: World | undefined;

  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('runs after the webhook is answered; its time is recorded when it resolves; a failed one runs again at the next start', async () => {
    const calls: string[] = [];
    let release: () => void = () => {};
    let fail = true;
    world = await startWorld({
      clock,
      cloudCopy: {
        delete: async (accountId, userId) => {
          calls.push(`${accountId}/${userId}`);
          if (fail) throw new Error('storage unavailable');
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        },
      },
    });
    const alice = world.users[0] as SimUser;
    await enrollAs(world, newDeviceIdentity(), alice);

    expect(await world.sim.admin.deauthorize(alice.userId)).toEqual({ delivered: true, status: 200 });
    await waitFor(() => calls.length === 1, 'the hook');
    expect((await compliance(world, alice)).cloudCopyDeletedAt).toBeNull();

    fail = false;
    await world.restartRelay();
    await waitFor(() => calls.length === 2, 'the hook again');
    expect(calls).toEqual([`${alice.accountId}/${alice.userId}`, `${alice.accountId}/${alice.userId}`]);
    expect((await compliance(world, alice)).cloudCopyDeletedAt).toBeNull();
    await clock.advance(60_000);
    release();
    const current = world;
    await waitFor(async () => (await compliance(current, alice)).cloudCopyDeletedAt === clock.now(), 'the deletion time');
  });
});
