// A HistorySource over records held in memory, for tests of the engine: small pages whose tokens
// are offsets, a little latency (a few turns of the event loop) per request, a log of every
// request, and a hook that fails chosen requests (or throws, standing for a bug).

import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingRecord } from '../../src/core/records.js';
import { err, ok } from '../../src/core/result.js';
import type { HistorySource, ListQuery, PageResult, SourceFailure } from '../../src/sync/source.js';
import { DAY_MS } from '../../src/sync/windows.js';

export type SourceRequest =
  | { kind: 'meetings' | 'calls' | 'recordings'; from: number; to: number; pageToken: string | undefined }
  | { kind: 'participants'; meetingUuid: string; pageToken: string | undefined };

export interface FakeHistory {
  meetings?: MeetingRecord[];
  calls?: CallRecord[];
  recordings?: RecordingRecord[];
  participants?: Record<string, ParticipantRecord[]>;
}

const LATENCY_TURNS = 3;

async function latency(): Promise<void> {
  for (let i = 0; i < LATENCY_TURNS; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeSource implements HistorySource {
  readonly usesReport = false;
  readonly requests: SourceRequest[] = [];
  /** The failure to answer `request` with, or null to serve it. */
  failWith: (request: SourceRequest) => SourceFailure | null = () => null;

  constructor(
    private readonly history: FakeHistory,
    private readonly pageSize = 2,
  ) {}

  listMeetings(q: ListQuery): Promise<PageResult<MeetingRecord>> {
    return this.list({ kind: 'meetings', from: q.from, to: q.to, pageToken: q.pageToken }, this.history.meetings ?? []);
  }

  listCalls(q: ListQuery): Promise<PageResult<CallRecord>> {
    return this.list({ kind: 'calls', from: q.from, to: q.to, pageToken: q.pageToken }, this.history.calls ?? []);
  }

  listRecordings(q: ListQuery): Promise<PageResult<RecordingRecord>> {
    return this.list({ kind: 'recordings', from: q.from, to: q.to, pageToken: q.pageToken }, this.history.recordings ?? []);
  }

  listParticipants(meetingUuid: string, q: { pageToken?: string }): Promise<PageResult<ParticipantRecord>> {
    return this.serve({ kind: 'participants', meetingUuid, pageToken: q.pageToken }, this.history.participants?.[meetingUuid] ?? []);
  }

  requestsOf(kind: SourceRequest['kind']): SourceRequest[] {
    return this.requests.filter((r) => r.kind === kind);
  }

  private list<T extends { startTime: number }>(request: SourceRequest & { from: number; to: number }, items: T[]): Promise<PageResult<T>> {
    // `to` is the last day asked for, inclusive.
    return this.serve(
      request,
      items.filter((item) => item.startTime >= request.from && item.startTime < request.to + DAY_MS),
    );
  }

  private async serve<T>(request: SourceRequest, items: T[]): Promise<PageResult<T>> {
    this.requests.push(request);
    await latency();
    const failure = this.failWith(request);
    if (failure) return err(failure);
    const offset = Number(request.pageToken ?? 0);
    const end = offset + this.pageSize;
    return ok({ items: items.slice(offset, end), nextPageToken: end < items.length ? String(end) : null });
  }
}
