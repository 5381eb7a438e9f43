// A HistorySource over records held in memory, for tests of the engine: small pages whose tokens
// are offsets, a little latency (a few turns of the event loop) per request, a log of every
// request, and a hook that fails chosen requests (or throws, standing for a bug).

import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingRecord } from '../../src/core/records.js';
import { err, ok, type Result } from '../../src/core/result.js';
import type { HistorySource, ListQuery, PageQuery, PageResult, SourceFailure } from '../../src/sync/source.js';
import { DAY_MS } from '../../src/sync/windows.js';
import type { ListedMeeting, MeetingInstance, ZoomUser } from '../../src/zoom/index.js';

export type SourceRequest =
  | { kind: 'me' }
  | { kind: 'listed'; pageToken: string | undefined }
  | { kind: 'instances'; meetingId: string }
  | { kind: 'details'; meetingUuid: string }
  | { kind: 'calls'; from: number; to: number; pageToken: string | undefined }
  | { kind: 'recordings'; from: number; to: number; pageToken: string | undefined }
  | { kind: 'participants'; meetingUuid: string; pageToken: string | undefined };

export interface FakeHistory {
  pmi?: string;
  /** What previous_meetings lists. */
  listed?: ListedMeeting[];
  /** Every ended meeting Zoom knows: what instances and details serve. */
  meetings?: MeetingRecord[];
  participants?: Record<string, ParticipantRecord[]>;
  calls?: CallRecord[];
  recordings?: RecordingRecord[];
}

const LATENCY_TURNS = 3;

async function latency(): Promise<void> {
  for (let i = 0; i < LATENCY_TURNS; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A listed row for a meeting, as the simulator lists it: its ID with this instance. */
export function listedRow(m: MeetingRecord): ListedMeeting {
  return { meetingId: m.meetingId, uuid: m.uuid, startTime: m.startTime };
}

export class FakeSource implements HistorySource {
  readonly requests: SourceRequest[] = [];
  /** The failure to answer `request` with, or null to serve it. */
  failWith: (request: SourceRequest) => SourceFailure | null = () => null;

  constructor(
    readonly history: FakeHistory,
    private readonly pageSize = 2,
  ) {}

  async getMe(): Promise<Result<ZoomUser, SourceFailure>> {
    return this.answer({ kind: 'me' }, () => ok({ id: 'u1', accountId: 'acc1', email: '', displayName: '', pmi: this.history.pmi ?? null }));
  }

  listPreviousMeetings(q: PageQuery): Promise<PageResult<ListedMeeting>> {
    return this.serve({ kind: 'listed', pageToken: q.pageToken }, this.history.listed ?? []);
  }

  async listInstances(meetingId: string): Promise<Result<MeetingInstance[], SourceFailure>> {
    const of = (this.history.meetings ?? []).filter((m) => m.meetingId === meetingId);
    return this.answer({ kind: 'instances', meetingId }, () => ok(of.map((m) => ({ uuid: m.uuid, startTime: m.startTime }))));
  }

  async getPastMeeting(meetingUuid: string): Promise<Result<MeetingRecord, SourceFailure>> {
    const found = (this.history.meetings ?? []).find((m) => m.uuid === meetingUuid);
    return this.answer({ kind: 'details', meetingUuid }, () => (found ? ok(found) : err({ kind: 'not-found' })));
  }

  listCalls(q: ListQuery): Promise<PageResult<CallRecord>> {
    return this.list({ kind: 'calls', from: q.from, to: q.to, pageToken: q.pageToken }, this.history.calls ?? []);
  }

  listRecordings(q: ListQuery): Promise<PageResult<RecordingRecord>> {
    return this.list({ kind: 'recordings', from: q.from, to: q.to, pageToken: q.pageToken }, this.history.recordings ?? []);
  }

  listParticipants(meetingUuid: string, q: PageQuery): Promise<PageResult<ParticipantRecord>> {
    return this.serve({ kind: 'participants', meetingUuid, pageToken: q.pageToken }, this.history.participants?.[meetingUuid] ?? []);
  }

  requestsOf<K extends SourceRequest['kind']>(kind: K): Extract<SourceRequest, { kind: K }>[] {
    return this.requests.filter((r): r is Extract<SourceRequest, { kind: K }> => r.kind === kind);
  }

  private list<T extends { startTime: number }>(request: Extract<SourceRequest, { kind: 'calls' | 'recordings' }>, items: T[]): Promise<PageResult<T>> {
    // `to` is the last day asked for, inclusive.
    return this.serve(
      request,
      items.filter((item) => item.startTime >= request.from && item.startTime < request.to + DAY_MS),
    );
  }

  private serve<T>(request: Extract<SourceRequest, { pageToken: string | undefined }>, items: T[]): Promise<PageResult<T>> {
    return this.answer(request, () => {
      const offset = Number(request.pageToken ?? 0);
      const end = offset + this.pageSize;
      return ok({ items: items.slice(offset, end), nextPageToken: end < items.length ? String(end) : null });
    });
  }

  private async answer<T>(request: SourceRequest, value: () => Result<T, SourceFailure>): Promise<Result<T, SourceFailure>> {
    this.requests.push(request);
    await latency();
    const failure = this.failWith(request);
    return failure ? err(failure) : value();
  }
}
