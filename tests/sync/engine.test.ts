// The sync engine against a source held in memory: checkpoints, retention, progress, and what a
// failed window or participant list leaves for the next run.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { Vault } from '../../src/store/index.js';
import { syncAccount, type SyncOptions, type SyncReport } from '../../src/sync/engine.js';
import { DAY_MS, windowContaining } from '../../src/sync/windows.js';
import { call, meeting, participant, recording, Scratch } from '../store/fixtures.js';
import { FakeSource } from './fakeSource.js';

const NOW = Date.UTC(2026, 5, 15, 12);
const MINUTE_MS = 60_000;

function run(vault: Vault, source: FakeSource, options: Partial<SyncOptions> = {}): Promise<SyncReport> {
  return syncAccount({ accountKey: 'a', vault, source, clock: new FakeClock(NOW), log: silentLogger(), historyDays: 183, retentionDays: 365, ...options }, new AbortController().signal);
}

/** Meetings `n` days before NOW, each with two participants. */
function meetingsAt(...daysAgo: number[]) {
  const meetings = daysAgo.map((days, i) => meeting(i + 1, { startTime: NOW - days * DAY_MS }));
  const participants = Object.fromEntries(meetings.map((m) => [m.uuid, [participant(m.uuid, 1), participant(m.uuid, 2)]]));
  return { meetings, participants };
}

function participantRequests(source: FakeSource, meetingUuid: string) {
  return source.requests.filter((r) => r.kind === 'participants' && r.meetingUuid === meetingUuid);
}

describe('sync engine', () => {
  let scratch: Scratch;
  let vault: Vault;
  beforeEach(() => {
    scratch = new Scratch();
    vault = scratch.vault();
  });
  afterEach(() => scratch.cleanup());

  it('sweeps expired rows before fetching, so a run cut short still enforces retention', async () => {
    const old = meeting(1, { startTime: NOW - 40 * DAY_MS });
    vault.savePage({ resource: 'meetings', window: windowContaining(old.startTime), items: [old], next: null, fetchedAt: NOW - 40 * DAY_MS });
    const source = new FakeSource({});
    source.failWith = () => ({ kind: 'dead-grant', reason: 'invalid_grant' });
    const report = await run(vault, source, { retentionDays: 30 });
    expect(report.outcome).toBe('dead-grant');
    expect(vault.counts().meetings).toBe(0);
  });

  it('never asks Zoom for history that retention would delete', async () => {
    const { meetings, participants } = meetingsAt(2, 60);
    const source = new FakeSource({ meetings, participants, calls: [call(1, { startTime: NOW - 60 * DAY_MS })] });
    const report = await run(vault, source, { historyDays: 183, retentionDays: 30 });
    expect(report.outcome).toBe('ok');
    const firstKeptDay = Math.floor((NOW - 30 * DAY_MS) / DAY_MS) * DAY_MS;
    for (const request of source.requests) if (request.kind !== 'participants') expect(request.from).toBeGreaterThanOrEqual(firstKeptDay);
    expect(participantRequests(source, meetings[1]!.uuid)).toEqual([]);
    expect(vault.counts()).toMatchObject({ meetings: 1, calls: 0 });
  });

  it('reports progress that never goes back and reaches 1, though windows and participant lists failed', async () => {
    const { meetings, participants } = meetingsAt(2, 35, 70);
    const failedWindow = windowContaining(meetings[1]!.startTime);
    const source = new FakeSource({ meetings, participants, calls: [call(1, { startTime: NOW - DAY_MS })], recordings: [recording(1, { startTime: NOW - 3 * DAY_MS })] });
    source.failWith = (r) => {
      if (r.kind === 'calls') return { kind: 'throttled', until: NOW + 60 * MINUTE_MS };
      if (r.kind === 'meetings' && r.from >= failedWindow.start && r.from < failedWindow.end) return { kind: 'unavailable' };
      if (r.kind === 'participants' && r.meetingUuid === meetings[0]!.uuid) return { kind: 'unavailable' };
      return null;
    };
    const progress: number[] = [];
    const report = await run(vault, source, { onProgress: (event) => progress.push(event.progress) });
    expect(report.outcome).toBe('partial');
    expect(report.throttledUntil).toBe(NOW + 60 * MINUTE_MS);
    expect(progress.length).toBeGreaterThan(5);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1);
  });

  it('asks for a failed participant list once a run, and again in the next run', async () => {
    const { meetings, participants } = meetingsAt(2, 35, 70);
    const failing = meetings[0]!.uuid;
    const source = new FakeSource({ meetings, participants });
    source.failWith = (r) => (r.kind === 'participants' && r.meetingUuid === failing ? { kind: 'unavailable' } : null);
    const first = await run(vault, source);
    expect(participantRequests(source, failing)).toHaveLength(1);
    expect(first.failures).toEqual([{ resource: 'participants', windowStart: null, kind: 'unavailable' }]);
    expect(first.participantMeetings).toBe(2);

    source.failWith = () => null;
    const second = await run(vault, source);
    expect(second.outcome).toBe('ok');
    expect(participantRequests(source, failing)).toHaveLength(2);
    expect(vault.getMeeting(failing)?.participants).toHaveLength(2);
  });

  it('resumes a window from a fresh stored page token, and starts one over, counters too, from a stale one', async () => {
    const fresh = windowContaining(NOW - 35 * DAY_MS);
    const stale = windowContaining(NOW - 70 * DAY_MS);
    const inWindow = (w: { start: number }, n: number) => Array.from({ length: 3 }, (_, i) => meeting(n + i, { startTime: w.start + (i + 1) * DAY_MS }));
    const source = new FakeSource({ meetings: [...inWindow(fresh, 10), ...inWindow(stale, 20)] });
    const firstPageOf = (w: { start: number }, n: number) => inWindow(w, n).slice(0, 2);
    vault.savePage({ resource: 'meetings', window: fresh, items: firstPageOf(fresh, 10), next: { token: '2', issuedAt: NOW - MINUTE_MS }, fetchedAt: NOW - MINUTE_MS });
    vault.savePage({ resource: 'meetings', window: stale, items: firstPageOf(stale, 20), next: { token: '2', issuedAt: NOW - 20 * MINUTE_MS }, fetchedAt: NOW - 20 * MINUTE_MS });

    await run(vault, source);
    const requestsIn = (w: { start: number; end: number }) => source.requestsOf('meetings').filter((r) => r.kind === 'meetings' && r.from >= w.start && r.from < w.end);
    expect(requestsIn(fresh).map((r) => r.pageToken)).toEqual(['2']);
    expect(requestsIn(stale).map((r) => r.pageToken)).toEqual([undefined, '2']);
    expect(vault.getWindow('meetings', stale.start)).toMatchObject({ status: 'complete', pages: 2, items: 3 });
    expect(vault.counts().meetings).toBe(6);
  });

  it('ends a run that met a bug only once every participant worker has stopped', async () => {
    const { meetings, participants } = meetingsAt(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    const source = new FakeSource({ meetings, participants }, 300);
    source.failWith = (r) => {
      if (r.kind === 'participants' && r.meetingUuid === meetings[0]!.uuid) throw new Error('a bug');
      return null;
    };
    await expect(run(vault, source)).rejects.toThrow('a bug');
    const made = source.requests.length;
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(source.requests.length).toBe(made);
    expect(source.requestsOf('participants').length).toBeLessThan(meetings.length);
  });
});
