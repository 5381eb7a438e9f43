// What only a shared ledger does: wake the other instances, find again what it missed while its
// listening connection was down, and fail as "unavailable" (never with a wrong answer) while
// PostgreSQL is down. Two ledgers on one database stand for two relay processes.
import { generateKeyPairSync } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { LedgerUnavailableError, type Ledger, type LedgerWatcher, type MakeWipe, type ZoomUser } from '../../src/relay/ledger.js';
import { openPgLedger } from '../../src/relay/pgLedger.js';
import { DAY_MS, RelaySigner } from '../../src/relay/signer.js';
import { startPgCluster, type PgCluster, type TestDatabase } from '../../scripts/pgCluster.mjs';
import { describeWith } from '../helpers/realComponents.js';
import { must, waitFor } from './fixture.js';

const USER: ZoomUser = { zoomAccountId: 'acct', zoomUserId: 'user-1' };

class RecordingWatcher implements LedgerWatcher {
  readonly woken: string[] = [];
  rescans = 0;
  wake(deviceIds: string[]): void {
    this.woken.push(...deviceIds);
  }
  rescan(): void {
    this.rescans++;
  }
}

describeWith('postgres', 'the PostgreSQL ledger across instances', () => {
  let cluster: PgCluster;
  let database: TestDatabase;
  const open: Ledger[] = [];
  const clock = new FakeClock();
  const signer = new RelaySigner(generateKeyPairSync('ed25519').privateKey, clock, 7 * DAY_MS);
  const makeWipe: MakeWipe = (target) => signer.wipe(target.deviceId, target, 'deauthorized');

  beforeAll(async () => {
    cluster = await startPgCluster();
  });
  afterAll(async () => {
    await cluster?.close();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((l) => l.close()));
    await database.drop();
  });

  async function instance(instanceClock = clock): Promise<Ledger> {
    const ledger = must(await openPgLedger(database.url, { clock: instanceClock, log: silentLogger() })).ledger;
    open.push(ledger);
    return ledger;
  }

  async function enroll(ledger: Ledger, deviceIds: string[], user = USER): Promise<void> {
    for (const deviceId of deviceIds) {
      await ledger.addDevice({ deviceId, publicKey: 'k', credentialHash: `h-${deviceId}`, enrolledAt: clock.now() });
      await ledger.enrollUser(deviceId, user, clock.now());
    }
  }

  async function watched(ledger: Ledger): Promise<RecordingWatcher> {
    const watcher = new RecordingWatcher();
    await ledger.watch(watcher);
    expect((await ledger.health()).listening).toBe(true);
    return watcher;
  }

  it('a wipe recorded at one instance wakes the others with every device concerned, even past one notification, and never wakes itself', async () => {
    database = await cluster.createDatabase();
    const a = await instance();
    const b = await instance();
    const [atA, atB] = [await watched(a), await watched(b)];
    expect([atA.rescans, atB.rescans]).toEqual([1, 1]);
    // 300 ids of 100 characters: about 31 kB of device ids, four notifications.
    const many = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(3, '0')}-${'d'.repeat(96)}`);
    await enroll(a, many);
    await a.recordDeauthorization({ ...USER, eventKey: 'ev-1', deauthorizedAt: 1, userDataRetention: null, receivedAt: 2 }, makeWipe, Number.MAX_SAFE_INTEGER);
    await waitFor(() => atB.woken.length === many.length, 'every device woken at b');
    expect([...atB.woken].sort()).toEqual(many);

    // b's own wake reaches a after a's (one server delivers commits in order): had a been told of
    // its own work, it would have heard it by now.
    await enroll(b, ['from-b'], { ...USER, zoomUserId: 'user-2' });
    await b.issueWipes({ ...USER, zoomUserId: 'user-2' }, makeWipe);
    await waitFor(() => atA.woken.length > 0, 'a woken by b');
    expect(atA.woken).toEqual(['from-b']);
    expect(atB.woken).toHaveLength(many.length);
  });

  it('after losing its listening connection it listens again and rescans, which finds the work announced while it was deaf', async () => {
    database = await cluster.createDatabase();
    const deafClock = new FakeClock();
    const a = await instance();
    const b = await instance(deafClock);
    const atB = await watched(b);
    await enroll(a, ['dev-1']);

    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'callvault-relay-wake' AND datname = current_database()`);
    await admin.end();
    await waitFor(async () => (await b.health()).listening === false, 'b to notice');

    const commands = await a.recordDeauthorization({ ...USER, eventKey: 'ev-1', deauthorizedAt: 1, userDataRetention: null, receivedAt: 2 }, makeWipe, Number.MAX_SAFE_INTEGER);
    expect(commands).toHaveLength(1);
    // Reconnection waits on b's clock (jittered backoff): nothing moves until it is advanced.
    expect([atB.rescans, atB.woken]).toEqual([1, []]);
    await deafClock.advance(20_000);
    await waitFor(() => atB.rescans === 2, 'the rescan');
    expect((await b.health()).listening).toBe(true);
    expect(atB.woken).toEqual([]);
    expect(await b.openCommands('dev-1')).toEqual(commands);
  });

  it('while PostgreSQL is down every call fails as unavailable; when it is back the pool and the listener reconnect', async () => {
    database = await cluster.createDatabase();
    const ownClock = new FakeClock();
    const ledger = await instance(ownClock);
    const watcher = await watched(ledger);
    await enroll(ledger, ['dev-1']);

    await cluster.stop();
    try {
      await expect(ledger.device('dev-1')).rejects.toBeInstanceOf(LedgerUnavailableError);
      await expect(ledger.recordDeauthorization({ ...USER, eventKey: 'ev-1', deauthorizedAt: 1, userDataRetention: null, receivedAt: 2 }, makeWipe, Number.MAX_SAFE_INTEGER)).rejects.toBeInstanceOf(
        LedgerUnavailableError,
      );
      await expect(ledger.device('dev-1')).rejects.toThrow(/^PostgreSQL at 127\.0\.0\.1:\d+\/t_\w+ is unreachable \(\w+\)$/);
      await waitFor(async () => (await ledger.health()).listening === false, 'the listener to notice');
      expect(await ledger.health()).toEqual({ reachable: false, listening: false });
    } finally {
      await cluster.start();
    }
    expect(await ledger.device('dev-1')).toMatchObject({ deviceId: 'dev-1' });
    expect(await ledger.recordDeauthorization({ ...USER, eventKey: 'ev-1', deauthorizedAt: 1, userDataRetention: null, receivedAt: 2 }, makeWipe, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
    await ownClock.advance(20_000);
    await waitFor(() => watcher.rescans === 2, 'the rescan after the restart');
    expect(await ledger.health()).toEqual({ reachable: true, listening: true });
  });
});
