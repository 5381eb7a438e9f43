// One user's history, indexed the ways the endpoints read it: meetings sorted by start time (oldest
// first, the order every list endpoint serves, so items added later land after the pages already
// served), meetings by UUID, meeting IDs with their instances, recordings and calls.

import type { CallLogJson, MeetingListItemJson, ParticipantJson, PastMeetingJson, RecordingMeetingJson, ReportMeetingJson } from './zoomJson.js';
import { DAY_MS, zoomIso } from './zoomTime.js';

/**
 * How a meeting came about: a one-off scheduled meeting, an occurrence of a recurring series, an
 * instant meeting on the personal meeting ID (PMI), or an instant meeting on a random ID.
 */
export type MeetingKind = 'scheduled' | 'recurring' | 'pmi' | 'instant';
export const MEETING_KINDS: readonly MeetingKind[] = ['scheduled', 'recurring', 'pmi', 'instant'];

/** One meeting ID and what previous_meetings needs to list it. */
export interface SimMeetingId {
  id: number;
  kind: MeetingKind;
  /**
   * The list's type: 2 scheduled, 3 recurring with no fixed time, 8 recurring with a fixed time;
   * null for instant and PMI meetings, which previous_meetings never lists.
   */
  listType: 2 | 3 | 8 | null;
  topic: string;
  timezone: string;
  createdMs: number;
  scheduledMinutes: number;
  /** Oldest first. */
  instances: SimMeeting[];
}

/** One ended meeting: an instance of a meeting ID, with its own UUID. */
export interface SimMeeting {
  uuid: string;
  id: number;
  kind: MeetingKind;
  startMs: number;
  past: PastMeetingJson;
  /** Null when fewer than two people attended: the report leaves such meetings out. */
  report: ReportMeetingJson | null;
  /** As served: empty when one person attended. */
  participants: ParticipantJson[];
  recorded: boolean;
}

export interface SimRecording {
  startMs: number;
  json: RecordingMeetingJson;
  /** What the recording events carry besides the listed fields. */
  shareUrl: string;
  timezone: string;
}

export interface SimCall {
  startMs: number;
  log: CallLogJson;
}

interface Timed {
  startMs: number;
}

/**
 * Zoom: a meeting ID "may expire 30 days after the last time it is used"; one of a recurring meeting
 * with no fixed time lasts a year after its last use.
 */
export function idExpiresAt(meetingId: SimMeetingId): number {
  const last = meetingId.instances.at(-1);
  if (!last) return Number.NEGATIVE_INFINITY;
  return last.startMs + (meetingId.listType === 3 ? 365 : 30) * DAY_MS;
}

/** The first index whose start is >= `time`. */
function lowerBound(items: readonly Timed[], time: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[mid] as Timed).startMs < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted<T extends Timed>(items: T[], item: T): void {
  // Equal start times keep insertion order: past the last equal one.
  items.splice(lowerBound(items, item.startMs + 1), 0, item);
}

/** The items starting in [from, to), as index bounds into `items`. */
export function rangeOf(items: readonly Timed[], from: number, to: number): { lo: number; hi: number } {
  const lo = lowerBound(items, from);
  return { lo, hi: Math.max(lo, lowerBound(items, to)) };
}

export class UserData {
  readonly meetings: SimMeeting[] = [];
  /** The report lists meetings with two or more participants. */
  readonly reported: SimMeeting[] = [];
  readonly recordings: SimRecording[] = [];
  readonly calls: SimCall[] = [];
  private readonly byUuid = new Map<string, SimMeeting>();
  private readonly ids = new Map<number, SimMeetingId>();

  /** Registers a meeting ID before its instances are added. */
  addMeetingId(meetingId: Omit<SimMeetingId, 'instances'>): SimMeetingId {
    if (this.ids.has(meetingId.id)) throw new Error('duplicate meeting ID in a dataset');
    const entry = { ...meetingId, instances: [] };
    this.ids.set(meetingId.id, entry);
    return entry;
  }

  addMeeting(meeting: SimMeeting): void {
    if (this.byUuid.has(meeting.uuid)) throw new Error('duplicate meeting UUID in a dataset');
    const meetingId = this.ids.get(meeting.id);
    if (!meetingId) throw new Error('a meeting of an unregistered meeting ID');
    this.byUuid.set(meeting.uuid, meeting);
    insertSorted(meetingId.instances, meeting);
    insertSorted(this.meetings, meeting);
    if (meeting.report) insertSorted(this.reported, meeting);
  }

  addRecording(recording: SimRecording): void {
    insertSorted(this.recordings, recording);
  }

  /** Removes the recording of the meeting instance `uuid`; the removed one, or null. */
  removeRecording(uuid: string): SimRecording | null {
    const index = this.recordings.findIndex((r) => r.json.uuid === uuid);
    return index === -1 ? null : (this.recordings.splice(index, 1)[0] ?? null);
  }

  addCall(call: SimCall): void {
    insertSorted(this.calls, call);
  }

  /** Removes the calls with these call-history ids; the ids removed. */
  removeCalls(ids: readonly string[]): string[] {
    const wanted = new Set(ids);
    const removed: string[] = [];
    for (let i = this.calls.length - 1; i >= 0; i--) {
      const id = (this.calls[i] as SimCall).log.id;
      if (wanted.has(id)) {
        removed.push(id);
        this.calls.splice(i, 1);
      }
    }
    return removed.reverse();
  }

  meetingByUuid(uuid: string): SimMeeting | undefined {
    return this.byUuid.get(uuid);
  }

  meetingId(id: number): SimMeetingId | undefined {
    return this.ids.get(id);
  }

  meetingIds(): IterableIterator<SimMeetingId> {
    return this.ids.values();
  }

  /** Every instance of a meeting ID, oldest first. */
  instancesOf(id: number): readonly SimMeeting[] {
    return this.ids.get(id)?.instances ?? [];
  }

  /**
   * What previous_meetings lists at `now`: one row per scheduled or recurring meeting ID that has
   * not expired, describing its latest instance; ordered by that instance's start, oldest first.
   */
  previousMeetings(now: number): MeetingListItemJson[] {
    const live = [...this.ids.values()].filter((m) => m.listType !== null && m.instances.length > 0 && idExpiresAt(m) > now);
    live.sort((a, b) => (a.instances.at(-1) as SimMeeting).startMs - (b.instances.at(-1) as SimMeeting).startMs || a.id - b.id);
    return live.map(listItem);
  }
}

function listItem(meetingId: SimMeetingId): MeetingListItemJson {
  const latest = meetingId.instances.at(-1) as SimMeeting;
  const item: MeetingListItemJson = {
    uuid: latest.uuid,
    id: meetingId.id,
    host_id: latest.past.host_id,
    topic: meetingId.topic,
    type: meetingId.listType ?? 2,
    duration: meetingId.scheduledMinutes,
    timezone: meetingId.timezone,
    created_at: zoomIso(meetingId.createdMs),
    join_url: `https://zoom.us/j/${meetingId.id}`,
  };
  // A recurring meeting with no fixed time has no start time to list.
  if (meetingId.listType !== 3) item.start_time = latest.past.start_time;
  return item;
}
