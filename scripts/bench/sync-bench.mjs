// The sync engine's benchmark against the Zoom simulator, on the compiled code in dist/
// (`npm run build` first):   node scripts/bench/sync-bench.mjs
//
// A user-managed app (the only kind a desktop app logging its user in with PKCE can be) on a Pro
// user with the simulator's 'year' of history: one-off scheduled meetings, weekly recurring series,
// instant meetings on the PMI and on random IDs, recorded or not, and Zoom Phone calls.
// 1. Install: the first sync. Coverage by kind of meeting (stored / held), which must equal what a
//    user-level grant can reach without Zoom's events (MeetingTruth.discoverable); requests made
//    against the fewest that reach it; 429s; wall time against the rate-limit floor.
// 2. After install: 30 days in which the user holds meetings of every kind and takes calls. Zoom's
//    events (meeting.ended, recording.completed, call history) reach the daemon's handler as the
//    relay delivers them, and a sync runs once a day. Coverage by kind; requests against the fewest.
// 3. The first sync again, into a second vault, with 20% of requests faulted (5xx, timeouts,
//    header-less 429s), re-run until a run ends ok: its rows must equal the clean run's.
// A sync that stores anything but the expected rows stops the bench: numbers of a wrong sync mean
// nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../dist/core/clock.js';
import { Changes } from '../../dist/daemon/changes.js';
import { EventBus } from '../../dist/daemon/events.js';
import { handleZoomEvent } from '../../dist/daemon/zoomEvents.js';
import { silentLogger } from '../../dist/platform/logger.js';
import { startSimulator } from '../../dist/sim/index.js';
import { AccountLimits } from '../../dist/sim/rateLimits.js';
import { openVault } from '../../dist/store/index.js';
import { syncAccount } from '../../dist/sync/engine.js';
import { historyStart, planWindows, requestRange } from '../../dist/sync/windows.js';
import { vaultTokenStore, zoomAccount } from '../../dist/sync/zoomSource.js';
import { createPkce, exchangeCode } from '../../dist/zoom/index.js';
import { keyedConnection } from './keys.mjs';
import { printWhenRunDirectly } from './table.mjs';

const SEED = 2026;
const PLAN = 'pro';
const HISTORY_DAYS = 366;
const RETENTION_DAYS = 365;
const PAGE_SIZE = 300;
const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;
/** The vaults' data key: encrypted as the daemon's are. */
const KEY = randomBytes(32);
/**
 * The first sync runs this long after the dataset's last meeting ended: the engine leaves the
 * participants of meetings that ended in the last 15 minutes for a later run (Zoom's durations
 * settle), and the bench compares with everything the simulator holds.
 */
const LATER_MS = 20 * MINUTE_MS;
const DAYS_AFTER_INSTALL = 30;
/** What the user does on each day after install. */
const DAILY = [
  { kind: 'scheduled', recorded: false },
  { kind: 'recurring', recorded: false },
  { kind: 'recurring', recorded: true },
  { kind: 'pmi', recorded: false },
  { kind: 'pmi', recorded: true },
  { kind: 'instant', recorded: false },
  { kind: 'instant', recorded: true },
];
const CALLS_PER_DAY = 6;
const KINDS = ['scheduled', 'recurring', 'pmi', 'instant'];
const KIND_NAMES = { scheduled: 'one-off scheduled', recurring: 'recurring instance', pmi: 'instant on the PMI', instant: 'instant on other IDs' };
const FAULT_RATE = 0.2;
const FAULT_KINDS = ['5xx', 'timeout', '429-headerless'];
const FAULT_DELAY_MS = 2_000;
const FAULTED_CLIENT = { timeoutMs: 300, retry: { baseMs: 50, capMs: 1_000, attempts: 6 } };
const MAX_FAULTED_RUNS = 10;
const REDIRECT_URI = 'http://127.0.0.1:1/callback';
const ACCOUNT_KEY = 'a_0000000000000000000000be';
const log = silentLogger();

/** The system clock, moved ahead by `advance`: the simulator's clock is moved by as much. */
function movableClock(sim) {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    monotonic: () => systemClock.monotonic(),
    setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
    advance(ms) {
      offset += ms;
      sim.admin.advanceClock(ms);
    },
  };
}

/** A PKCE login as `user` (the bench plays the browser), and a vault holding the tokens. */
async function connect(sim, user, file, clock) {
  const { verifier, challenge } = createPkce();
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: sim.clientId,
    redirect_uri: REDIRECT_URI,
    state: 'bench',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    sim_user: user.userId,
  });
  const response = await fetch(`${sim.url}/oauth/authorize?${query}`, { redirect: 'manual' });
  const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const tokens = must(await exchangeCode({ oauthUrl: sim.url, clientId: sim.clientId }, { code, redirectUri: REDIRECT_URI, verifier }, { clock }));
  const vault = must(openVault(file, { create: true, key: KEY }));
  vaultTokenStore(vault, clock).save(tokens);
  return vault;
}

function must(result) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function syncer(sim, user, vault, clock, meetingEventsSince, api) {
  const account = zoomAccount({ vault, zoomAccountId: user.accountId, plan: user.plan, oauthUrl: sim.url, apiUrl: sim.url, clientId: sim.clientId, clock, log, api });
  return () =>
    syncAccount({ accountKey: ACCOUNT_KEY, vault, source: account.source, clock, log, historyDays: HISTORY_DAYS, retentionDays: RETENTION_DAYS, meetingEventsSince }, new AbortController().signal);
}

/** Requests per second the simulator allows `rate` on `plan`: the size of its full bucket. */
function simRate(plan, rate) {
  const limits = new AccountLimits(plan);
  for (;;) {
    const decision = limits.take(rate, 0);
    if (!decision.ok) return Number(decision.headers['X-RateLimit-Limit']);
  }
}

const pages = (n) => Math.max(1, Math.ceil(n / PAGE_SIZE));

/** One request per page of each calendar-month window the engine plans for a windowed resource. */
function windowRequests(items, resource, now) {
  const horizon = historyStart(resource, now, Math.min(HISTORY_DAYS, RETENTION_DAYS));
  let requests = 0;
  const listed = [];
  for (const window of planWindows(now, horizon)) {
    const { from, to } = requestRange(window, now, horizon);
    const inWindow = items.filter((i) => i.at >= from && i.at < to + DAY_MS);
    listed.push(...inWindow.map((i) => i.id));
    requests += pages(inWindow.length);
  }
  return { requests, listed };
}

/**
 * The first sync: what a user-level grant reaches (every instance of the PMI, of each listed
 * meeting ID and of each recorded meeting's ID: MeetingTruth.discoverable), and the fewest
 * requests that fetch it: /users/me; previous_meetings' pages; each recordings and calls window's
 * pages; one instances list per meeting ID; one details request per meeting; one request per page
 * of each meeting's participants.
 */
function installWork(truth, now) {
  const since = historyStart('meetings', now, Math.min(HISTORY_DAYS, RETENTION_DAYS));
  const meetings = truth.meetings.filter((m) => m.discoverable && Date.parse(m.pastMeeting.start_time) >= since);
  const ids = new Set(meetings.map((m) => m.pastMeeting.id));
  const recordings = windowRequests(truth.recordings.map((r) => ({ at: Date.parse(r.start_time), id: r.uuid })), 'recordings', now);
  const calls = windowRequests(truth.calls.filter((c) => c.inCallHistory).map((c) => ({ at: Date.parse(c.log.start_time), id: c.log.id })), 'calls', now);
  // An ID a list or a recording names, whose instances are all older than the history: listed all the same.
  for (const item of truth.previousMeetings) ids.add(item.id);
  ids.add(truth.user.pmi);
  for (const r of truth.recordings) ids.add(r.id);
  const byCategory = {
    light: 1 + meetings.length,
    medium: pages(truth.previousMeetings.length) + ids.size + recordings.requests + meetings.reduce((n, m) => n + pages(m.participants.length), 0),
    'phone medium': calls.requests,
  };
  return {
    expected: {
      meetings: meetings.map((m) => m.pastMeeting.uuid).sort(),
      participants: meetings.reduce((n, m) => n + m.participants.length, 0),
      calls: calls.listed.sort(),
      recordings: recordings.listed.sort(),
    },
    byCategory,
    total: Object.values(byCategory).reduce((a, b) => a + b, 0),
  };
}

function storedRows(file) {
  const db = keyedConnection(file, KEY, { readonly: true });
  try {
    const column = (sql) => db.prepare(sql).pluck().all();
    return {
      meetings: column('SELECT uuid FROM meetings ORDER BY uuid'),
      participants: db.prepare('SELECT count(*) FROM participants').pluck().get(),
      calls: column('SELECT history_id FROM calls ORDER BY history_id'),
      recordings: column('SELECT meeting_uuid FROM recordings ORDER BY meeting_uuid'),
    };
  } finally {
    db.close();
  }
}

/** Every stored row of Zoom history, without local row ids and sync bookkeeping, in a fixed order. */
function historyDump(file) {
  const db = keyedConnection(file, KEY, { readonly: true });
  try {
    const all = (sql) => JSON.stringify(db.prepare(sql).raw().all());
    return [
      all(`SELECT uuid, meeting_id, host_id, topic, type, start_time, duration_minutes, timezone, end_time, participants_count, source, participants_state
           FROM meetings ORDER BY uuid`),
      all(`SELECT meeting_uuid, key, participant_id, user_id, name, email, join_time, leave_time, duration_seconds FROM participants ORDER BY meeting_uuid, key`),
      all(`SELECT r.meeting_uuid, r.meeting_id, r.topic, r.start_time, r.duration_minutes, r.total_size, f.file_id, f.position, f.file_type, f.recording_type,
                  f.recording_start, f.recording_end, f.file_size
           FROM recordings r LEFT JOIN recording_files f ON f.recording_id = r.id ORDER BY r.meeting_uuid, f.position`),
      all(`SELECT history_id, call_id, direction, caller_name, caller_number, callee_name, callee_number, start_time, answer_time, end_time, result,
                  talk_time_seconds, recording_id FROM calls ORDER BY history_id`),
    ].join('\n');
  } finally {
    db.close();
  }
}

/** API requests in the simulator's counts: all of them, the 429s, and those not answered 200. */
function requestsIn(counts) {
  const made = { all: 0, tooMany: 0, failed: 0 };
  for (const [label, byStatus] of Object.entries(counts)) {
    if (!label.startsWith('GET /v2/')) continue;
    for (const [status, n] of Object.entries(byStatus)) {
      made.all += n;
      if (status === '429') made.tooMany += n;
      if (status !== '200') made.failed += n;
    }
  }
  return made;
}

const ratio = (a, b) => Math.round((a / b) * 1000) / 1000;
const percent = (a, b) => (b === 0 ? 100 : Math.round((a / b) * 1000) / 10);

/** Coverage rows: meetings stored / held, by kind and for the recorded ones, among `held`. */
function coverageRows(name, held, stored) {
  const groups = [...KINDS.map((kind) => [KIND_NAMES[kind], held.filter((m) => m.kind === kind)]), ['recorded', held.filter((m) => m.recorded)]];
  return groups.map(([label, group]) => {
    const kept = group.filter((m) => stored.has(m.pastMeeting.uuid)).length;
    return { name: `${name}: ${label} stored / held (${kept} / ${group.length})`, value: percent(kept, group.length), unit: '%' };
  });
}

/** The user's history, a first sync at install, then 30 days of meetings, events and daily syncs. */
async function userManagedYear(dir) {
  const sim = await startSimulator({ seed: SEED, accounts: [{ plan: PLAN, users: [{ dataset: 'year' }] }], faultDelayMs: FAULT_DELAY_MS });
  const clock = movableClock(sim);
  clock.advance(LATER_MS);
  let vault;
  try {
    const user = sim.admin.users()[0];
    const file = join(dir, 'member.db');
    vault = await connect(sim, user, file, clock);
    const installedAt = clock.now();
    const sync = syncer(sim, user, vault, clock, installedAt);
    const label = 'sync year, user-managed Pro user';

    // 1. Install.
    sim.admin.resetCounts();
    const started = performance.now();
    const report = await sync();
    const wallMs = performance.now() - started;
    const made = requestsIn(sim.admin.counts());
    const before = sim.admin.groundTruth(user.userId);
    const work = installWork(before, clock.now());
    if (report.outcome !== 'ok') throw new Error(`${label}: the first sync ended ${report.outcome}`);
    if (JSON.stringify(storedRows(file)) !== JSON.stringify(work.expected)) throw new Error(`${label}: the first sync did not store exactly what a user-level grant reaches`);
    const rates = {
      light: simRate(PLAN, { api: 'main', category: 'light' }),
      medium: simRate(PLAN, { api: 'main', category: 'medium' }),
      'phone medium': simRate(PLAN, { api: 'phone', category: 'medium' }),
    };
    const floors = Object.entries(work.byCategory).map(([category, n]) => ({ category, ms: (n / rates[category]) * 1000 }));
    const floor = floors.reduce((a, b) => (b.ms > a.ms ? b : a));
    const yearStart = historyStart('meetings', clock.now(), Math.min(HISTORY_DAYS, RETENTION_DAYS));
    const heldBefore = before.meetings.filter((m) => Date.parse(m.pastMeeting.start_time) >= yearStart);
    const storedBefore = new Set(storedRows(file).meetings);
    const discoverable = heldBefore.filter((m) => m.discoverable).length;

    const rows = [
      ...coverageRows(`${label}, before install`, heldBefore, storedBefore),
      { name: `${label}, before install: stored / reachable by a user-level grant (${storedBefore.size} / ${discoverable})`, value: percent(storedBefore.size, discoverable), unit: '%', target: '= 100' },
      { name: `${label}, install: requests made / fewest possible (${made.all} / ${work.total})`, value: ratio(made.all, work.total), unit: 'x', target: '<= 1.05' },
      { name: `${label}, install: 429s received`, value: made.tooMany, unit: 'responses', target: '= 0' },
      {
        name: `${label}, install: wall time / rate-limit floor (${(wallMs / 1000).toFixed(1)} s / ${(floor.ms / 1000).toFixed(1)} s: ${work.byCategory[floor.category]} ${floor.category} at ${rates[floor.category]}/s)`,
        value: ratio(wallMs, floor.ms),
        unit: 'x',
        target: '<= 1.15',
      },
    ];

    // 2. The month after install.
    const events = new EventBus(new Changes());
    const deps = { account: () => ({ vault }), mayStore: () => true, requestSync: () => undefined, events, clock, log };
    const held = [];
    let fewest = 0;
    let tooMany = 0;
    let all = 0;
    for (let day = 0; day < DAYS_AFTER_INSTALL; day++) {
      clock.advance(DAY_MS - 2 * 60 * MINUTE_MS);
      for (const { kind, recorded } of DAILY) {
        const { meeting, events: zoomEvents } = sim.admin.holdMeeting(user.userId, kind, { recorded });
        held.push(meeting);
        for (const event of zoomEvents) await deliver(deps, user, event);
        clock.advance(10 * MINUTE_MS);
      }
      for (const event of sim.admin.addCalls(user.userId, CALLS_PER_DAY).events) await deliver(deps, user, event);
      clock.advance(2 * 60 * MINUTE_MS - DAILY.length * 10 * MINUTE_MS);
      sim.admin.resetCounts();
      const daily = await sync();
      if (daily.outcome !== 'ok') throw new Error(`${label}: the sync of day ${day + 1} ended ${daily.outcome}`);
      const counts = requestsIn(sim.admin.counts());
      all += counts.all;
      tooMany += counts.tooMany;
      // The fewest for a daily sync: the meeting list, each window the run fetched (one page each
      // here), /users/me when a week has passed, and each new meeting's participants. The events
      // brought every meeting, recording and call themselves.
      fewest += 1 + daily.windowsFetched + (sim.admin.counts()['GET /v2/users/{userId}']?.['200'] ?? 0) + DAILY.length;
    }
    const storedAfter = new Set(storedRows(file).meetings);
    rows.push(
      ...coverageRows(`${label}, ${DAYS_AFTER_INSTALL} days after install`, held, storedAfter),
      { name: `${label}, after install: requests made / fewest possible for a daily sync (${all} / ${fewest})`, value: ratio(all, fewest), unit: 'x', target: '<= 1.05' },
      { name: `${label}, after install: 429s received`, value: tooMany, unit: 'responses', target: '= 0' },
    );
    if (held.some((m) => !storedAfter.has(m.pastMeeting.uuid))) throw new Error(`${label}: a meeting held after install is missing`);
    return { rows, sim, user, clock, installedAt };
  } catch (e) {
    await sim.close();
    throw e;
  } finally {
    vault?.close();
  }
}

/** A Zoom event as the relay delivers it to the device: Zoom's payload.object, unchanged. */
async function deliver(deps, user, event) {
  const notice = { noticeId: `${event.event}/${event.event_ts}`, zoomAccountId: user.accountId, zoomUserId: user.userId, event: event.event, eventTs: event.event_ts, object: event.payload.object };
  if (!(await handleZoomEvent(deps, [ACCOUNT_KEY], notice))) throw new Error(`the daemon did not handle ${event.event}`);
}

/**
 * The history as it is now, into a fresh vault with faults, re-run until a run ends ok; compared
 * with a fresh vault synced without faults (the first vault holds the month after install from
 * events, which a fresh sync does not see).
 */
async function faultedSync({ sim, user, clock, installedAt }, dir) {
  const file = join(dir, 'faulted.db');
  const vault = await connect(sim, user, file, clock);
  try {
    const sync = syncer(sim, user, vault, clock, installedAt, FAULTED_CLIENT);
    sim.admin.resetCounts();
    sim.admin.setFaults({ rate: FAULT_RATE, kinds: FAULT_KINDS, seed: SEED });
    const started = performance.now();
    let runs = 0;
    let report;
    do {
      report = await sync();
      runs++;
    } while (report.outcome !== 'ok' && runs < MAX_FAULTED_RUNS);
    const wallMs = performance.now() - started;
    sim.admin.setFaults({});
    const made = requestsIn(sim.admin.counts());
    const reference = join(dir, 'reference.db');
    const again = await connect(sim, user, reference, clock);
    await syncer(sim, user, again, clock, installedAt)();
    again.close();
    const same = report.outcome === 'ok' && historyDump(file) === historyDump(reference);
    const name = `sync year, ${FAULT_RATE * 100}% of requests faulted (${FAULT_KINDS.join(', ')})`;
    return [
      { name: `${name}: runs until one ended ok (${made.all} requests, ${made.failed} faulted, ${(wallMs / 1000).toFixed(1)} s)`, value: runs, unit: 'runs' },
      { name: `${name}: rows equal a clean run's`, value: same ? 'yes' : 'NO', unit: '', target: 'yes' },
    ];
  } finally {
    vault.close();
  }
}

export async function runSyncBench() {
  const dir = mkdtempSync(join(tmpdir(), 'cv-bench-'));
  let year;
  try {
    year = await userManagedYear(dir);
    return [...year.rows, ...(await faultedSync(year, dir))];
  } finally {
    await year?.sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await printWhenRunDirectly(import.meta.url, 'sync', runSyncBench);
