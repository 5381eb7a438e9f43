// The seeded generator of a user's history, with the mix a real user has: one-off scheduled
// meetings, weekly recurring series (some still running, some ended long ago), instant meetings on
// the personal meeting ID (PMI) and on random IDs, recorded and unrecorded ones, their participants,
// and Zoom Phone calls. Every content string carries the user's canary and every phone number the
// user's digit run, so a test can find any copy of it later.

import { callLog } from './callLogs.js';
import { createKit, newMeetingId, newUuid, uuidLike, type Kit, type Person, type UuidForm } from './contentKit.js';
import type { UserProfile } from './directory.js';
import { createRng, type Rng } from './random.js';
import { MEETING_KINDS, UserData, type MeetingKind, type SimCall, type SimMeeting, type SimMeetingId, type SimRecording } from './userData.js';
import { DAY_MS, MINUTE_MS, SECOND_MS, utcDay, zoomIso } from './zoomTime.js';
import type { ParticipantJson, PastMeetingJson, RecordingFileJson, RecordingMeetingJson } from './zoomJson.js';

const TOPICS = [
  'Quarterly planning',
  'Design review',
  'Customer onboarding',
  'Sprint retrospective',
  'Budget review',
  'Hiring debrief',
  'Roadmap workshop',
  'Incident review',
  'Sales pipeline',
  'Partner check-in',
  'Product demo',
  'Architecture office hours',
  'Marketing launch prep',
  'Board prep',
  'Support escalations',
];
const SERIES_TOPICS = ['Weekly sync', 'Team standup', 'Ops review', '1:1', 'Sprint planning', 'Design crit'];

/** Of all meetings: occurrences of recurring series, instant meetings on the PMI and on random IDs; one-off scheduled meetings are the rest. */
const SHARES = { recurring: 0.35, pmi: 0.2, instant: 0.15 } as const;
/** Occurrences per recurring series, on average. */
const OCCURRENCES_PER_SERIES = 10;
const WEEK_MS = 7 * DAY_MS;

/** Zoom's meeting types: 1 instant, 2 scheduled, 3 recurring with no fixed time, 4 on the PMI, 8 recurring with a fixed time. */
function pastType(meetingId: SimMeetingId): 1 | 2 | 3 | 4 | 8 {
  if (meetingId.kind === 'pmi') return 4;
  if (meetingId.kind === 'instant') return 1;
  return meetingId.listType ?? 2;
}

interface Occurrence {
  meetingId: SimMeetingId;
  startMs: number;
  actualMinutes: number;
}

interface MeetingShape extends Occurrence {
  attendees: number;
  rejoin: boolean;
  uuidForm: UuidForm;
  recorded: boolean;
}

function participantRows(kit: Kit, rng: Rng, shape: MeetingShape, startMs: number, endMs: number): ParticipantJson[] {
  const people = [kit.host, ...rng.sample(kit.contacts, shape.attendees - 1)];
  const stays: { p: Person; join: number; leave: number }[] = [];
  people.forEach((p, i) => {
    const isHost = i === 0;
    const join = isHost ? startMs : startMs + rng.int(0, 4 * 60) * SECOND_MS;
    const leave = isHost ? endMs : endMs - rng.int(0, 4 * 60) * SECOND_MS;
    if (shape.rejoin && i === 1 && leave - join > 6 * MINUTE_MS) {
      // One attendee drops out and comes back: two rows for one person (same id, new join time).
      const dropAt = join + Math.floor((leave - join) / 3);
      stays.push({ p, join, leave: dropAt }, { p, join: dropAt + 2 * MINUTE_MS, leave });
    } else {
      stays.push({ p, join, leave });
    }
  });
  stays.sort((a, b) => a.join - b.join);
  return stays.map(({ p, join, leave }, i) => ({
    id: p.zoomId,
    user_id: String(16_778_240 + (i + 1) * 1024),
    name: p.name,
    user_email: p.email,
    join_time: zoomIso(join),
    leave_time: zoomIso(leave),
    duration: Math.round((leave - join) / SECOND_MS),
    failover: false,
    status: 'in_meeting',
    internal_user: p.internal,
  }));
}

function buildMeeting(kit: Kit, rng: Rng, shape: MeetingShape): SimMeeting {
  const { profile, host } = kit;
  const { meetingId } = shape;
  const uuid = newUuid(kit, rng, shape.uuidForm);
  const startMs = shape.startMs;
  const endMs = startMs + shape.actualMinutes * MINUTE_MS;
  const rows = participantRows(kit, rng, shape, startMs, endMs);
  const totalMinutes = Math.round(rows.reduce((sum, r) => sum + r.duration, 0) / 60);
  const past: PastMeetingJson = {
    uuid,
    id: meetingId.id,
    host_id: profile.user.userId,
    type: pastType(meetingId),
    topic: meetingId.topic,
    user_name: host.name,
    user_email: host.email,
    start_time: zoomIso(startMs),
    end_time: zoomIso(endMs),
    duration: shape.actualMinutes,
    total_minutes: totalMinutes,
    participants_count: shape.attendees,
    source: 'Zoom',
  };
  return {
    uuid,
    id: meetingId.id,
    kind: meetingId.kind,
    startMs,
    past,
    report:
      shape.attendees >= 2
        ? {
            uuid,
            id: meetingId.id,
            type: pastType(meetingId),
            topic: past.topic,
            user_name: past.user_name,
            user_email: past.user_email,
            start_time: past.start_time,
            end_time: past.end_time,
            duration: past.duration,
            total_minutes: totalMinutes,
            participants_count: shape.attendees,
            source: 'Zoom',
            has_recording: shape.recorded,
            has_screen_share: rng.chance(0.5),
            has_chat: rng.chance(0.4),
            meeting_encryption_status: 1,
          }
        : null,
    participants: shape.attendees >= 2 ? rows : [],
    recorded: shape.recorded,
  };
}

function recordingOf(kit: Kit, rng: Rng, meeting: SimMeeting): SimRecording {
  const startMs = meeting.startMs + 30 * SECOND_MS;
  const endMs = Date.parse(meeting.past.end_time);
  const seconds = Math.round((endMs - startMs) / SECOND_MS);
  const file = (fileType: RecordingFileJson['file_type'], extension: RecordingFileJson['file_extension'], recordingType: RecordingFileJson['recording_type'], size: number): RecordingFileJson => {
    const id = uuidLike(rng);
    return {
      id,
      meeting_id: meeting.uuid,
      recording_start: zoomIso(startMs),
      recording_end: zoomIso(endMs),
      file_type: fileType,
      file_extension: extension,
      file_size: size,
      play_url: `https://zoom.us/rec/play/${id}`,
      download_url: `https://zoom.us/rec/download/${id}`,
      status: 'completed',
      recording_type: recordingType,
    };
  };
  const files = [
    file('MP4', 'MP4', 'shared_screen_with_speaker_view', seconds * rng.int(90_000, 160_000)),
    file('M4A', 'M4A', 'audio_only', seconds * rng.int(7_000, 9_000)),
  ];
  if (rng.chance(0.5)) files.push(file('TRANSCRIPT', 'VTT', 'audio_transcript', seconds * rng.int(15, 30)));
  if (rng.chance(0.4)) files.push(file('CHAT', 'TXT', 'chat_file', rng.int(300, 9_000)));
  const json: RecordingMeetingJson = {
    uuid: meeting.uuid,
    id: meeting.id,
    account_id: kit.profile.user.accountId,
    host_id: kit.profile.user.userId,
    topic: meeting.past.topic,
    type: String(meeting.past.type) as RecordingMeetingJson['type'],
    start_time: zoomIso(startMs),
    duration: meeting.past.duration,
    total_size: files.reduce((sum, f) => sum + f.file_size, 0),
    recording_count: files.length,
    recording_files: files,
  };
  return { startMs: meeting.startMs, json, shareUrl: `https://zoom.us/rec/share/${rng.hex(32)}`, timezone: kit.profile.timezone };
}

/** Even spacing over [start, start + span) with jitter, so the history covers the whole span. */
function slotStart(rng: Rng, start: number, span: number, index: number, count: number): number {
  const slot = span / Math.max(1, count);
  return start + index * slot + rng.next() * slot * 0.6;
}

const fiveMinutes = (ms: number): number => Math.floor(ms / (5 * MINUTE_MS)) * 5 * MINUTE_MS;

/** `count` of `total`, spread evenly over `indexes`. */
function spread(indexes: readonly number[], count: number): number[] {
  const n = Math.min(count, indexes.length);
  return Array.from({ length: n }, (_, j) => indexes[Math.floor(((j + 0.5) * indexes.length) / n)] as number);
}

/**
 * Generates a user's history ending before `t0`, and the meetings held later (`hold`). Free
 * accounts get no cloud recordings and users without a Phone licence get no calls: real Zoom would
 * hold none for them either.
 */
export class HistoryGenerator {
  private readonly kit: Kit;
  private held = 0;

  constructor(private readonly profile: UserProfile) {
    this.kit = createKit(profile, createRng(`${profile.seedKey}/contacts`));
    this.kit.usedMeetingIds.add(profile.pmi);
  }

  generate(t0: number): UserData {
    const { profile, kit } = this;
    const size = profile.size;
    const data = new UserData();
    const rng = createRng(`${profile.seedKey}/meetings`);
    const span = size.days * DAY_MS;
    const first = t0 - span;
    const latestEnd = t0 - MINUTE_MS;
    const total = size.meetings;
    const pmiId = this.registerPmi(data, first);

    const occurrences: Occurrence[] = this.series(data, rng, t0, first, Math.floor(total * SHARES.recurring));
    const pmiCount = Math.floor(total * SHARES.pmi);
    const instantCount = Math.floor(total * SHARES.instant);
    const scheduledCount = total - occurrences.length - pmiCount - instantCount;
    const spaced = (count: number, meetingIdOf: (startMs: number, index: number) => SimMeetingId, minutes: () => number): void => {
      for (let i = 0; i < count; i++) {
        const actualMinutes = minutes();
        let startMs = fiveMinutes(slotStart(rng, first, span, i, count));
        if (startMs + actualMinutes * MINUTE_MS > latestEnd) startMs = Math.floor((latestEnd - actualMinutes * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
        occurrences.push({ meetingId: meetingIdOf(startMs, i), startMs, actualMinutes });
      }
    };
    spaced(pmiCount, () => pmiId, () => rng.int(10, 70));
    spaced(instantCount, (startMs) => this.registerInstant(data, rng, startMs), () => rng.int(10, 70));
    spaced(
      scheduledCount,
      (startMs, i) => this.registerScheduled(data, rng, startMs - rng.int(1, 14) * DAY_MS, i + 1),
      () => Math.max(5, rng.pick([30, 30, 45, 60, 60, 90]) + rng.int(-10, 10)),
    );
    occurrences.sort((a, b) => a.startMs - b.startMs || a.meetingId.id - b.meetingId.id);

    const recordingCount = profile.user.plan === 'free' ? 0 : Math.min(size.recordings, total);
    const recorded = this.recordedIndexes(occurrences, recordingCount);
    occurrences.forEach((occurrence, i) => {
      // A few UUIDs per user that must be double-encoded; they have attendees, so every endpoint serves them.
      const uuidForm: UuidForm = i % 11 === 1 ? 'leading-slash' : i % 11 === 4 ? 'double-slash' : 'plain';
      const special = uuidForm !== 'plain';
      const meeting = buildMeeting(kit, rng, {
        ...occurrence,
        attendees: !special && i % 9 === 5 ? 1 : size.participantsPerMeeting,
        rejoin: i % 6 === 2,
        uuidForm,
        recorded: recorded.has(i),
      });
      data.addMeeting(meeting);
    });
    const recordingRng = createRng(`${profile.seedKey}/recordings`);
    for (const meeting of data.meetings) if (meeting.recorded) data.addRecording(recordingOf(kit, recordingRng, meeting));
    if (profile.user.phone === true) {
      const callRng = createRng(`${profile.seedKey}/calls`);
      for (let j = 0; j < size.calls; j++) {
        const startMs = Math.min(Math.floor(slotStart(callRng, first, span, j, size.calls) / SECOND_MS) * SECOND_MS, latestEnd - 2 * 60 * MINUTE_MS);
        const log = callLog(kit, callRng, startMs);
        data.addCall({ startMs: Date.parse(log.start_time), log });
      }
    }
    return data;
  }

  /**
   * A meeting of `kind` that ended at `now`, with its recording when `recorded`: a new ID for a
   * scheduled or instant meeting, the PMI, or the next occurrence of a running recurring series.
   * Deterministic for the call order.
   */
  hold(data: UserData, now: number, kind: MeetingKind, options: { recorded?: boolean; attendees?: number } = {}): { meeting: SimMeeting; recording: SimRecording | null } {
    const rng = createRng(`${this.profile.seedKey}/added/${this.held++}`);
    const actualMinutes = rng.int(15, 60);
    const startMs = Math.floor(now / SECOND_MS) * SECOND_MS - actualMinutes * MINUTE_MS;
    let meetingId: SimMeetingId;
    if (kind === 'pmi') meetingId = data.meetingId(this.profile.pmi) ?? this.registerPmi(data, startMs);
    else if (kind === 'instant') meetingId = this.registerInstant(data, rng, startMs);
    else if (kind === 'scheduled') meetingId = this.registerScheduled(data, rng, startMs - DAY_MS, data.meetings.length + 1);
    else meetingId = this.runningSeries(data, now, rng, startMs);
    const meeting = buildMeeting(this.kit, rng, {
      meetingId,
      startMs,
      actualMinutes,
      attendees: options.attendees ?? Math.max(2, this.profile.size.participantsPerMeeting),
      rejoin: false,
      uuidForm: 'plain',
      recorded: options.recorded ?? false,
    });
    data.addMeeting(meeting);
    const recording = meeting.recorded ? recordingOf(this.kit, rng, meeting) : null;
    if (recording) data.addRecording(recording);
    return { meeting, recording };
  }

  /** A call that ended just now (at most `now`); deterministic for the call order. */
  holdCall(data: UserData, now: number): SimCall {
    const rng = createRng(`${this.profile.seedKey}/added-call/${this.held++}`);
    const log = callLog(this.kit, rng, Math.floor(now / SECOND_MS) * SECOND_MS - 40 * MINUTE_MS);
    const call = { startMs: Date.parse(log.start_time), log };
    data.addCall(call);
    return call;
  }

  private registerPmi(data: UserData, createdMs: number): SimMeetingId {
    const { profile } = this;
    return data.addMeetingId({
      id: profile.pmi,
      kind: 'pmi',
      listType: null,
      // Zoom's own name for meetings on the PMI.
      topic: `${profile.displayName}'s Personal Meeting Room`,
      timezone: profile.timezone,
      createdMs: createdMs - 30 * DAY_MS,
      scheduledMinutes: 60,
    });
  }

  private registerInstant(data: UserData, rng: Rng, startMs: number): SimMeetingId {
    const { profile, kit } = this;
    return data.addMeetingId({
      id: newMeetingId(kit, rng),
      kind: 'instant',
      listType: null,
      topic: `${profile.displayName}'s Zoom Meeting`,
      timezone: profile.timezone,
      createdMs: startMs,
      scheduledMinutes: 60,
    });
  }

  private registerScheduled(data: UserData, rng: Rng, createdMs: number, n: number): SimMeetingId {
    const { profile, kit } = this;
    return data.addMeetingId({
      id: newMeetingId(kit, rng),
      kind: 'scheduled',
      listType: 2,
      topic: `${rng.pick(TOPICS)} ${profile.canary} #${n}`,
      timezone: profile.timezone,
      createdMs,
      scheduledMinutes: rng.pick([30, 30, 45, 60, 60, 90]),
    });
  }

  /**
   * Recurring series with `target` occurrences in all, within [first, t0): weekly at a fixed time
   * (type 8), or every 3 to 12 days with no fixed time (type 3, one series in four). Half of them are
   * still running; the others ended 40 days or more ago, so their IDs have expired.
   */
  private series(data: UserData, rng: Rng, t0: number, first: number, target: number): Occurrence[] {
    const { profile, kit } = this;
    const count = target > 0 ? Math.max(1, Math.round(target / OCCURRENCES_PER_SERIES)) : 0;
    const occurrences: Occurrence[] = [];
    for (let k = 0; k < count; k++) {
      const wanted = Math.floor(target / count) + (k < target % count ? 1 : 0);
      const listType = k % 4 === 3 ? 3 : 8;
      const minutes = rng.pick([15, 30, 30, 45, 60]);
      const timeOfDay = rng.int(8, 17) * 60 * MINUTE_MS + (rng.chance(0.5) ? 30 * MINUTE_MS : 0);
      const running = k % 2 === 0;
      const daysBack = running ? rng.int(1, 6) : rng.int(40, Math.max(41, Math.min(150, Math.floor((t0 - first) / DAY_MS / 2))));
      let startMs = utcDay(t0 - daysBack * DAY_MS) + timeOfDay;
      if (startMs + minutes * MINUTE_MS >= t0) startMs -= DAY_MS;
      const starts: number[] = [];
      while (starts.length < wanted && startMs >= first) {
        // A skipped week (a holiday) now and then.
        if (listType === 3 || !rng.chance(0.08)) starts.push(startMs);
        startMs -= listType === 3 ? rng.int(3, 12) * DAY_MS : WEEK_MS;
      }
      if (starts.length === 0) continue;
      const meetingId = data.addMeetingId({
        id: newMeetingId(kit, rng),
        kind: 'recurring',
        listType,
        topic: `${SERIES_TOPICS[k % SERIES_TOPICS.length]} ${profile.canary} #${k + 1}`,
        timezone: profile.timezone,
        createdMs: (starts.at(-1) as number) - rng.int(1, 20) * DAY_MS,
        scheduledMinutes: minutes,
      });
      for (const start of starts) occurrences.push({ meetingId, startMs: start, actualMinutes: Math.max(5, minutes + rng.int(-5, 10)) });
    }
    return occurrences;
  }

  /** The running series whose turn it is, or a new weekly series when none runs. */
  private runningSeries(data: UserData, now: number, rng: Rng, startMs: number): SimMeetingId {
    const running = [...data.meetingIds()].filter((m) => m.kind === 'recurring' && m.listType === 8 && (m.instances.at(-1)?.startMs ?? 0) > now - 30 * DAY_MS);
    if (running.length > 0) return running[this.held % running.length] as SimMeetingId;
    return data.addMeetingId({
      id: newMeetingId(this.kit, rng),
      kind: 'recurring',
      listType: 8,
      topic: `${rng.pick(SERIES_TOPICS)} ${this.profile.canary} #${data.meetings.length + 1}`,
      timezone: this.profile.timezone,
      createdMs: startMs - DAY_MS,
      scheduledMinutes: 30,
    });
  }

  /** Which occurrences (by index) are recorded: `count` in all, a share of every kind, spread over the year. */
  private recordedIndexes(occurrences: readonly Occurrence[], count: number): Set<number> {
    const byKind = new Map<MeetingKind, number[]>(MEETING_KINDS.map((k) => [k, []]));
    occurrences.forEach((o, i) => byKind.get(o.meetingId.kind)?.push(i));
    const chosen = new Set<number>();
    let left = count;
    MEETING_KINDS.forEach((kind, k) => {
      const quota = Math.floor(count / MEETING_KINDS.length) + (k < count % MEETING_KINDS.length ? 1 : 0);
      for (const i of spread(byKind.get(kind) ?? [], quota)) chosen.add(i);
    });
    left -= chosen.size;
    // A kind with fewer meetings than its quota leaves the rest to the others, evenly.
    const rest = occurrences.map((_, i) => i).filter((i) => !chosen.has(i));
    for (const i of spread(rest, left)) chosen.add(i);
    return chosen;
  }
}
