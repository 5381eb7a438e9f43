// The seeded generator of a user's history: meetings (scheduled, recurring, instant) with their
// participants, cloud recordings and Zoom Phone calls. Every content string carries the user's
// canary and every phone number the user's digit run, so a test can find any copy of it later.

import { callLog } from './callLogs.js';
import { createKit, newMeetingId, newUuid, uuidLike, type Kit, type Person, type UuidForm } from './contentKit.js';
import type { UserProfile } from './directory.js';
import { createRng, type Rng } from './random.js';
import { UserData, type SimMeeting } from './userData.js';
import { DAY_MS, MINUTE_MS, SECOND_MS, zoomIso } from './zoomTime.js';
import type { ParticipantJson, RecordingFileJson, RecordingMeetingJson } from './zoomJson.js';

const TOPICS = [
  'Quarterly planning',
  'Weekly sync',
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
const SERIES_TOPICS = ['Weekly sync', 'Team standup', 'Monthly all-hands', '1:1', 'Sprint planning', 'Ops review'];

interface Series {
  id: number;
  type: 3 | 8;
  topic: string;
  createdMs: number;
}

interface MeetingShape {
  type: number;
  id: number;
  topic: string;
  startMs: number;
  scheduledMinutes: number;
  actualMinutes: number;
  createdMs: number;
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
  const uuid = newUuid(kit, rng, shape.uuidForm);
  const startMs = shape.startMs;
  const endMs = startMs + shape.actualMinutes * MINUTE_MS;
  const rows = participantRows(kit, rng, shape, startMs, endMs);
  const totalMinutes = Math.round(rows.reduce((sum, r) => sum + r.duration, 0) / 60);
  const past = {
    uuid,
    id: shape.id,
    host_id: profile.user.userId,
    type: shape.type,
    topic: shape.topic,
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
    id: shape.id,
    type: shape.type,
    startMs,
    listItem: {
      uuid,
      id: shape.id,
      host_id: profile.user.userId,
      topic: shape.topic,
      type: shape.type,
      start_time: zoomIso(startMs),
      duration: shape.scheduledMinutes,
      timezone: profile.timezone,
      created_at: zoomIso(shape.createdMs),
      join_url: `https://zoom.us/j/${shape.id}`,
    },
    past,
    report:
      shape.attendees >= 2
        ? { ...past, has_recording: shape.recorded, has_screen_share: rng.chance(0.5), has_chat: rng.chance(0.4), meeting_encryption_status: 1 }
        : null,
    participants: shape.attendees >= 2 ? rows : [],
  };
}

function recordingOf(kit: Kit, rng: Rng, meeting: SimMeeting): RecordingMeetingJson {
  const startMs = meeting.startMs + 30 * SECOND_MS;
  const endMs = Date.parse(meeting.past.end_time);
  const seconds = Math.round((endMs - startMs) / SECOND_MS);
  const file = (fileType: string, extension: string, recordingType: string, size: number): RecordingFileJson => {
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
  return {
    uuid: meeting.uuid,
    id: meeting.id,
    account_id: kit.profile.user.accountId,
    host_id: kit.profile.user.userId,
    topic: meeting.past.topic,
    type: String(meeting.type),
    start_time: zoomIso(startMs),
    timezone: kit.profile.timezone,
    duration: meeting.past.duration,
    total_size: files.reduce((sum, f) => sum + f.file_size, 0),
    recording_count: files.length,
    share_url: `https://zoom.us/rec/share/${rng.hex(32)}`,
    recording_files: files,
  };
}

/** Even spacing over [start, end) with jitter, so the history covers the whole span. */
function slotStart(rng: Rng, start: number, span: number, index: number, count: number): number {
  const slot = span / Math.max(1, count);
  return start + index * slot + rng.next() * slot * 0.6;
}

/**
 * Generates a user's history ending before `t0`. Free accounts get no cloud recordings and users
 * without a Phone licence get no calls: real Zoom would hold none for them either.
 */
export class HistoryGenerator {
  private readonly kit: Kit;
  private added = 0;

  constructor(private readonly profile: UserProfile) {
    this.kit = createKit(profile, createRng(`${profile.seedKey}/contacts`));
  }

  generate(t0: number): UserData {
    const { profile, kit } = this;
    const size = profile.size;
    const data = new UserData();
    const rng = createRng(`${profile.seedKey}/meetings`);
    const span = size.days * DAY_MS;
    const latestEnd = t0 - MINUTE_MS;
    const seriesCount = Math.max(1, Math.round(size.meetings / 25));
    const series: Series[] = Array.from({ length: seriesCount }, (_, s) => ({
      id: newMeetingId(kit, rng),
      type: s % 4 === 3 ? 3 : 8,
      topic: `${SERIES_TOPICS[s % SERIES_TOPICS.length]} ${profile.canary} #${s + 1}`,
      createdMs: t0 - span - rng.int(1, 30) * DAY_MS,
    }));
    const recordingCount = profile.user.plan === 'free' ? 0 : Math.min(size.recordings, size.meetings);
    const recordedIndexes = new Set(Array.from({ length: recordingCount }, (_, j) => Math.floor(((j + 0.5) * size.meetings) / recordingCount)));
    const recorded = new Set<SimMeeting>();
    const participants = size.participantsPerMeeting;
    for (let i = 0; i < size.meetings; i++) {
      // A few UUIDs per user that must be double-encoded; they are scheduled meetings with
      // attendees, so every endpoint serves them.
      const uuidForm = i % 11 === 1 ? 'leading-slash' : i % 11 === 4 ? 'double-slash' : 'plain';
      const special = uuidForm !== 'plain';
      const roll = rng.next();
      const kind = special ? 'scheduled' : roll < 0.15 ? 'instant' : roll < 0.4 ? 'series' : 'scheduled';
      const scheduledMinutes = rng.pick([30, 30, 45, 60, 60, 90]);
      const actualMinutes = Math.max(5, scheduledMinutes + rng.int(-10, 10));
      let startMs = Math.floor(slotStart(rng, t0 - span, span, i, size.meetings) / (5 * MINUTE_MS)) * 5 * MINUTE_MS;
      if (startMs + actualMinutes * MINUTE_MS > latestEnd) startMs = Math.floor((latestEnd - actualMinutes * MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
      const ofSeries = kind === 'series' ? rng.pick(series) : null;
      const attendees = !special && i % 9 === 5 ? 1 : participants;
      const meeting = buildMeeting(kit, rng, {
        type: ofSeries ? ofSeries.type : kind === 'instant' ? 1 : 2,
        id: ofSeries ? ofSeries.id : newMeetingId(kit, rng),
        topic: ofSeries ? ofSeries.topic : `${rng.pick(TOPICS)} ${profile.canary} #${i + 1}`,
        startMs,
        scheduledMinutes,
        actualMinutes,
        createdMs: ofSeries ? ofSeries.createdMs : startMs - (kind === 'instant' ? 0 : rng.int(1, 14) * DAY_MS),
        attendees,
        rejoin: i % 6 === 2,
        uuidForm,
        recorded: recordedIndexes.has(i),
      });
      data.addMeeting(meeting);
      if (recordedIndexes.has(i)) recorded.add(meeting);
    }
    const recordingRng = createRng(`${profile.seedKey}/recordings`);
    for (const meeting of data.meetings) {
      if (recorded.has(meeting)) data.addRecording({ startMs: meeting.startMs, json: recordingOf(kit, recordingRng, meeting) });
    }
    if (profile.user.phone) {
      const callRng = createRng(`${profile.seedKey}/calls`);
      for (let j = 0; j < size.calls; j++) {
        const startMs = Math.min(Math.floor(slotStart(callRng, t0 - span, span, j, size.calls) / SECOND_MS) * SECOND_MS, latestEnd - 2 * 60 * MINUTE_MS);
        const log = callLog(kit, callRng, startMs);
        data.addCall({ startMs: Date.parse(log.start_time), log });
      }
    }
    return data;
  }

  /** `n` scheduled meetings with attendees that ended at `now`, oldest start first; deterministic for the call order. */
  addMeetings(data: UserData, now: number, n: number): SimMeeting[] {
    const rng = createRng(`${this.profile.seedKey}/added/${this.added++}`);
    const out: SimMeeting[] = [];
    for (let k = 0; k < n; k++) {
      const actualMinutes = rng.int(15, 60);
      const startMs = Math.floor(now / SECOND_MS) * SECOND_MS - actualMinutes * MINUTE_MS;
      const meeting = buildMeeting(this.kit, rng, {
        type: 2,
        id: newMeetingId(this.kit, rng),
        topic: `${rng.pick(TOPICS)} ${this.profile.canary} #${data.meetings.length + 1}`,
        startMs,
        scheduledMinutes: 30,
        actualMinutes,
        createdMs: startMs - DAY_MS,
        attendees: Math.max(2, this.profile.size.participantsPerMeeting),
        rejoin: false,
        uuidForm: 'plain',
        recorded: false,
      });
      data.addMeeting(meeting);
      out.push(meeting);
    }
    return out.sort((a, b) => a.startMs - b.startMs);
  }
}
