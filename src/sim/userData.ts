// One user's history, indexed the ways the endpoints read it: lists sorted by start time (oldest
// first, the order every list endpoint serves, so items added later land after the pages already
// served), meetings by UUID and by numeric id.

import type { CallLogJson, MeetingListItemJson, ParticipantJson, PastMeetingJson, RecordingMeetingJson, ReportMeetingJson } from './zoomJson.js';

export interface SimMeeting {
  uuid: string;
  id: number;
  type: number;
  startMs: number;
  listItem: MeetingListItemJson;
  past: PastMeetingJson;
  /** Null when fewer than two people attended: the report leaves such meetings out. */
  report: ReportMeetingJson | null;
  /** As served: empty when one person attended. */
  participants: ParticipantJson[];
}

export interface SimRecording {
  startMs: number;
  json: RecordingMeetingJson;
}

export interface SimCall {
  startMs: number;
  log: CallLogJson;
}

interface Timed {
  startMs: number;
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
  /** previous_meetings lists scheduled meetings only: no instant meetings (type 1). */
  readonly previous: SimMeeting[] = [];
  /** The report lists meetings with two or more participants. */
  readonly reported: SimMeeting[] = [];
  readonly recordings: SimRecording[] = [];
  readonly calls: SimCall[] = [];
  private readonly byUuid = new Map<string, SimMeeting>();
  private readonly byId = new Map<number, SimMeeting[]>();

  addMeeting(meeting: SimMeeting): void {
    if (this.byUuid.has(meeting.uuid)) throw new Error('duplicate meeting UUID in a dataset');
    this.byUuid.set(meeting.uuid, meeting);
    const instances = this.byId.get(meeting.id) ?? [];
    insertSorted(instances, meeting);
    this.byId.set(meeting.id, instances);
    insertSorted(this.meetings, meeting);
    if (meeting.type !== 1) insertSorted(this.previous, meeting);
    if (meeting.report) insertSorted(this.reported, meeting);
  }

  addRecording(recording: SimRecording): void {
    insertSorted(this.recordings, recording);
  }

  addCall(call: SimCall): void {
    insertSorted(this.calls, call);
  }

  meetingByUuid(uuid: string): SimMeeting | undefined {
    return this.byUuid.get(uuid);
  }

  /** Every instance of a meeting id, oldest first. */
  instancesOf(id: number): readonly SimMeeting[] {
    return this.byId.get(id) ?? [];
  }

  hasMeetingId(id: number): boolean {
    return this.byId.has(id);
  }
}
