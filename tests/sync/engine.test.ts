// The sync engine against a source held in memory: the meeting pipeline (IDs, instances, details,
// participants) and what it asks for once, checkpoints, retention, progress, Zoom Phone that is not
// there, deletions noticed by a window, and what a failure leaves for the next run.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { Vault } from '../../src/store/index.js';
import { callsAvailability } from '../../src/sync/accountMeta.js';
import { syncAccount, type SyncOptions, type SyncReport } from '../../src/sync/engine.js';
import { DAY_MS, windowContaining } from '../../src/sync/windows.js';
import { call, meeting, participant, recording, saveMeetings, Scratch } from '../store/fixtures.js';
import { FakeSource, listedRow } from './fakeSource.js';

const NOW = Date.UTC(2026, 5, 15, 12);
const MINUTE_MS = 60_000;

function run(vault: Vault, source: FakeSource, options: Partial<SyncOptions> & { now?: number } = {}): Promise<SyncReport> {
  const { now = NOW, ...rest } = options;
  return syncAccount(
    { accountKey: 'a', vault, source, clock: new FakeClock(now), log: silentLogger(), historyDays: 183, retentionDays: 365, meetingEventsSince: null, ...rest },
    new AbortController().signal,
  );
}

/** Meetings of one listed meeting ID `n` days before NOW, each with two participants. */
function meetingsAt(...daysAgo: number[]) {
  const meetings = daysAgo.map((days, i) => meeting(i + 1, { meetingId: '81000000001', startTime: NOW - days * DAY_MS, endTime: NOW - days * DAY_MS + 30 * MINUTE_MS }));
  const participants = Object.fromEntries(meetings.map((m) => [m.uuid, [participant(m.uuid, 1), participant(m.uuid, 2)]]));
  return { meetings, participants, listed: [listedRow(meetings.at(-1)!)] };
}

function requestsFor(source: FakeSource, kind: 'participants' | 'details', meetingUuid: string) {
  return source.requests.filter((r) => r.kind === kind && r.meetingUuid === meetingUuid);
}

describe('sync engine', () => {
  let scratch: Scratch;
  let vault: Vault;
  beforeEach(() => {
    scratch = new Scratch();
    vault = scratch.vault();
  });
  afterEach(() => scratch.cleanup());

  it('learns every meeting ID (PMI, listed, recorded), lists each one\'s instances once, and fetches each new instance once', async () => {
    const pmi = [1, 2].map((n) => meeting(n, { meetingId: '2000000001', startTime: NOW - n * DAY_MS }));
    const listed = [3, 4].map((n) => meeting(n, { meetingId: '81000000003', startTime: NOW - n * 7 * DAY_MS }));
    // An instant meeting on a random ID, known only because it was recorded.
    const recorded = meeting(5, { meetingId: '93000000005', startTime: NOW - 20 * DAY_MS });
    const meetings = [...pmi, ...listed, recorded];
    const participants = Object.fromEntries(meetings.map((m) => [m.uuid, [participant(m.uuid, 1)]]));
    const source = new FakeSource({ pmi: '2000000001', listed: [listedRow(listed[0]!)], meetings, participants, recordings: [recording(1, { meetingUuid: recorded.uuid, meetingId: recorded.meetingId, startTime: recorded.startTime })] });

    const first = await run(vault, source);
    expect(first.outcome).toBe('ok');
    expect(source.requestsOf('instances').map((r) => r.meetingId).sort()).toEqual(['2000000001', '81000000003', '93000000005']);
    for (const m of meetings) {
      expect(requestsFor(source, 'details', m.uuid)).toHaveLength(1);
      expect(requestsFor(source, 'participants', m.uuid)).toHaveLength(1);
      expect(vault.getMeeting(m.uuid)).toMatchObject({ topic: m.topic, meetingId: m.meetingId });
    }
    expect(vault.counts()).toMatchObject({ meetings: 5, participants: 5, recordings: 1 });

    // The next run, an hour later: nothing new, so nothing but the listings.
    source.requests.length = 0;
    const second = await run(vault, source, { now: NOW + 60 * MINUTE_MS });
    expect(second.outcome).toBe('ok');
    expect(source.requests.map((r) => r.kind).filter((k) => k !== 'recordings' && k !== 'calls')).toEqual(['listed']);
  });

  it('lists an ID again when the list shows an instance not known here; the PMI daily, unless the events tell of its meetings', async () => {
    const { meetings, participants, listed } = meetingsAt(14, 7);
    const source = new FakeSource({ pmi: '2000000001', listed, meetings, participants });
    await run(vault, source);
    // A new occurrence of the listed meeting, and a meeting on the PMI.
    const next = meeting(9, { meetingId: '81000000001', startTime: NOW + DAY_MS - 60 * MINUTE_MS });
    const onPmi = meeting(10, { meetingId: '2000000001', startTime: NOW + DAY_MS - 50 * MINUTE_MS });
    source.history.meetings = [...meetings, next, onPmi];
    source.history.listed = [listedRow(next)];
    source.requests.length = 0;
    await run(vault, source, { now: NOW + DAY_MS, meetingEventsSince: NOW - DAY_MS });
    expect(source.requestsOf('instances').map((r) => r.meetingId)).toEqual(['81000000001']);
    expect(vault.getMeeting(next.uuid)).not.toBeNull();
    expect(vault.getMeeting(onPmi.uuid)).toBeNull();

    // Without the events, the PMI is the only way to learn of its meetings: listed again once it
    // was listed a day ago, and not again within the day.
    source.requests.length = 0;
    await run(vault, source, { now: NOW + DAY_MS + 60 * MINUTE_MS });
    expect(source.requestsOf('instances').map((r) => r.meetingId)).toEqual(['2000000001']);
    expect(vault.getMeeting(onPmi.uuid)).not.toBeNull();
    await run(vault, source, { now: NOW + DAY_MS + 2 * 60 * MINUTE_MS });
    expect(source.requestsOf('instances')).toHaveLength(1);
    // /users/me itself is asked once a week: at NOW, not since.
    expect(source.requestsOf('me')).toEqual([]);
    await run(vault, source, { now: NOW + 7 * DAY_MS });
    expect(source.requestsOf('me')).toHaveLength(1);
  });

  it('sweeps expired rows before fetching, so a run cut short still enforces retention', async () => {
    saveMeetings(vault, [meeting(1, { startTime: NOW - 40 * DAY_MS })], NOW - 40 * DAY_MS);
    const source = new FakeSource({});
    source.failWith = () => ({ kind: 'dead-grant', reason: 'invalid_grant' });
    const report = await run(vault, source, { retentionDays: 30 });
    expect(report.outcome).toBe('dead-grant');
    expect(vault.counts().meetings).toBe(0);
  });

  it('never asks Zoom for history that retention would delete', async () => {
    const { meetings, participants, listed } = meetingsAt(60, 2);
    const source = new FakeSource({ listed, meetings, participants, calls: [call(1, { startTime: NOW - 60 * DAY_MS })] });
    const report = await run(vault, source, { historyDays: 183, retentionDays: 30 });
    expect(report.outcome).toBe('ok');
    const firstKeptDay = Math.floor((NOW - 30 * DAY_MS) / DAY_MS) * DAY_MS;
    for (const request of source.requests) if (request.kind === 'calls' || request.kind === 'recordings') expect(request.from).toBeGreaterThanOrEqual(firstKeptDay);
    expect(requestsFor(source, 'details', meetings[0]!.uuid)).toEqual([]);
    expect(vault.counts()).toMatchObject({ meetings: 1, calls: 0 });
  });

  it('reports progress that never goes back and reaches 1, though windows and lists failed', async () => {
    const { meetings, participants, listed } = meetingsAt(70, 35, 2);
    const failedWindow = windowContaining(NOW - 35 * DAY_MS);
    const source = new FakeSource({ listed, meetings, participants, calls: [call(1, { startTime: NOW - DAY_MS })], recordings: [recording(1, { startTime: NOW - 3 * DAY_MS })] });
    source.failWith = (r) => {
      if (r.kind === 'calls') return { kind: 'throttled', until: NOW + 60 * MINUTE_MS };
      if (r.kind === 'recordings' && r.from >= failedWindow.start && r.from < failedWindow.end) return { kind: 'unavailable' };
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

  it('asks for a failed participant list or details once a run, and again in the next run', async () => {
    const { meetings, participants, listed } = meetingsAt(70, 35, 2);
    const failing = meetings[0]!.uuid;
    const noDetails = meetings[1]!.uuid;
    const source = new FakeSource({ listed, meetings, participants });
    source.failWith = (r) => ((r.kind === 'participants' && r.meetingUuid === failing) || (r.kind === 'details' && r.meetingUuid === noDetails) ? { kind: 'unavailable' } : null);
    const first = await run(vault, source);
    expect(requestsFor(source, 'participants', failing)).toHaveLength(1);
    expect(requestsFor(source, 'details', noDetails)).toHaveLength(1);
    expect(first.failures).toEqual(expect.arrayContaining([{ resource: 'participants', windowStart: null, kind: 'unavailable' }, { resource: 'meetings', windowStart: null, kind: 'unavailable' }]));
    expect(first.participantMeetings).toBe(1);

    source.failWith = () => null;
    const second = await run(vault, source);
    expect(second.outcome).toBe('ok');
    expect(requestsFor(source, 'participants', failing)).toHaveLength(2);
    expect(requestsFor(source, 'details', noDetails)).toHaveLength(2);
    expect(vault.getMeeting(failing)?.participants).toHaveLength(2);
    expect(vault.getMeeting(noDetails)?.participants).toHaveLength(2);
  });

  it('resumes a calendar-month window from a fresh stored page token, and starts one over, counters too, from a stale one', async () => {
    const fresh = windowContaining(NOW - 35 * DAY_MS);
    const stale = windowContaining(NOW - 70 * DAY_MS);
    const inWindow = (w: { start: number }, n: number) => Array.from({ length: 3 }, (_, i) => call(n + i, { startTime: w.start + (i + 1) * DAY_MS }));
    const source = new FakeSource({ calls: [...inWindow(fresh, 10), ...inWindow(stale, 20)] });
    const firstPageOf = (w: { start: number }, n: number) => inWindow(w, n).slice(0, 2);
    vault.savePage({ resource: 'calls', window: fresh, items: firstPageOf(fresh, 10), next: { token: '2', issuedAt: NOW - MINUTE_MS }, fetchedAt: NOW - MINUTE_MS });
    vault.savePage({ resource: 'calls', window: stale, items: firstPageOf(stale, 20), next: { token: '2', issuedAt: NOW - 20 * MINUTE_MS }, fetchedAt: NOW - 20 * MINUTE_MS });

    await run(vault, source);
    const requestsIn = (w: { start: number; end: number }) => source.requestsOf('calls').filter((r) => r.from >= w.start && r.from < w.end);
    expect(requestsIn(fresh).map((r) => r.pageToken)).toEqual(['2']);
    expect(requestsIn(stale).map((r) => r.pageToken)).toEqual([undefined, '2']);
    expect(vault.getWindow('calls', stale.start)).toMatchObject({ status: 'complete', pages: 2, items: 3 });
    expect(vault.counts().calls).toBe(6);
    // Every request stays within one calendar month.
    for (const r of source.requestsOf('calls')) expect(new Date(r.from).getUTCMonth()).toBe(new Date(r.to).getUTCMonth());
  });

  it('a recording or call Zoom no longer lists in a window it serves is deleted here', async () => {
    const kept = recording(1, { startTime: NOW - 3 * DAY_MS });
    const gone = recording(2, { startTime: NOW - 4 * DAY_MS });
    const source = new FakeSource({ recordings: [kept, gone], calls: [call(1, { startTime: NOW - DAY_MS }), call(2, { startTime: NOW - 2 * DAY_MS })] });
    await run(vault, source);
    expect(vault.counts()).toMatchObject({ recordings: 2, calls: 2 });
    source.history.recordings = [kept];
    source.history.calls = [call(1, { startTime: NOW - DAY_MS })];
    const report = await run(vault, source, { now: NOW + 60 * MINUTE_MS });
    expect(report.removed).toEqual({ recordings: 1, calls: 1 });
    expect(vault.counts()).toMatchObject({ recordings: 1, calls: 1 });
  });

  it('Zoom Phone not set up (404, 403): calls are not available, the run is ok, and Zoom is asked again after a week', async () => {
    const source = new FakeSource({ calls: [call(1, { startTime: NOW - DAY_MS })] });
    source.failWith = (r) => (r.kind === 'calls' ? { kind: 'not-found' } : null);
    const first = await run(vault, source);
    expect(first.outcome).toBe('ok');
    expect(source.requestsOf('calls')).toHaveLength(1);
    expect(callsAvailability(vault)).toEqual({ available: false, checkedAt: NOW });

    await run(vault, source, { now: NOW + 6 * DAY_MS });
    expect(source.requestsOf('calls')).toHaveLength(1);

    source.failWith = (r) => (r.kind === 'calls' ? { kind: 'forbidden', reason: '403' } : null);
    await run(vault, source, { now: NOW + 8 * DAY_MS });
    expect(source.requestsOf('calls')).toHaveLength(2);
    expect(callsAvailability(vault)).toEqual({ available: false, checkedAt: NOW + 8 * DAY_MS });

    source.failWith = () => null;
    const licensed = await run(vault, source, { now: NOW + 16 * DAY_MS });
    expect(licensed.outcome).toBe('ok');
    expect(callsAvailability(vault)).toEqual({ available: true });
    expect(vault.counts().calls).toBe(1);
  });

  it('a grant Zoom refuses in a way a new sign-in cures ends the run as needs-auth', async () => {
    const source = new FakeSource({});
    source.failWith = () => ({ kind: 'needs-auth', reason: '4738' });
    const report = await run(vault, source);
    expect(report).toMatchObject({ outcome: 'needs-auth', deadGrantReason: '4738' });
    expect(source.requests).toHaveLength(1);
  });

  it('ends a run that met a bug only once every worker has stopped', async () => {
    const { meetings, participants, listed } = meetingsAt(10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
    const source = new FakeSource({ listed, meetings, participants }, 300);
    source.failWith = (r) => {
      // The newest meeting's list is asked for first.
      if (r.kind === 'participants' && r.meetingUuid === meetings.at(-1)!.uuid) throw new Error('a bug');
      return null;
    };
    await expect(run(vault, source)).rejects.toThrow('a bug');
    const made = source.requests.length;
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(source.requests.length).toBe(made);
    expect(source.requestsOf('participants').length).toBeLessThan(meetings.length);
  });
});
