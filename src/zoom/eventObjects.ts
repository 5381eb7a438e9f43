// The `payload.object` of the Zoom events a device is told of (ZoomEventNotice), read into records
// and deletions. Shapes from Zoom's event types (zoom/rivet-javascript: MeetingEndedEvent,
// RecordingCompletedEvent, RecordingTrashedEvent, RecordingDeletedEvent, the Zoom Phone
// call-history events). Like the REST schemas, only what identifies an item is required.

import { z } from 'zod';
import type { CallRecord, MeetingRecord, RecordingRecord } from '../core/records.js';
import { toCall, toRecording } from './mapping.js';
import { callLogSchema, recordingSchema } from './schemas.js';

const MINUTE_MS = 60_000;

const when = z.string().transform((text, ctx) => {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'not a time' });
    return z.NEVER;
  }
  return ms;
});

/** meeting.ended: the meeting ID is a string in Zoom's event schema, a number in its REST API. */
const meetingEndedObject = z.object({
  id: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]).transform(String),
  uuid: z.string().min(1),
  host_id: z.string().nullish(),
  topic: z.string().nullish(),
  type: z.number().int().nullish(),
  start_time: when,
  end_time: when.nullish(),
  duration: z.number().nullish(),
  timezone: z.string().nullish(),
});

/** recording.trashed / recording.deleted: the files gone, or (without files) the whole recording. */
const recordingRemovedObject = z.object({
  uuid: z.string().min(1),
  recording_files: z.array(z.object({ id: z.string().min(1) })).nullish(),
});

const callHistoryCompletedObject = z.object({ call_logs: z.array(callLogSchema) });

const callHistoryDeletedObject = z.object({
  call_log_ids: z.array(z.string().min(1)).nullish(),
  delete_all: z.boolean().nullish(),
});

/** What a Zoom event asks of a vault; `ignored` for an event this daemon does not act on. */
export type ZoomEventAction =
  | { kind: 'store-meeting'; meeting: MeetingRecord }
  | { kind: 'store-recording'; recording: RecordingRecord }
  | { kind: 'store-calls'; calls: CallRecord[] }
  | { kind: 'remove-recording'; meetingUuid: string; fileIds: string[] | null }
  | { kind: 'remove-calls'; ids: string[] | 'all' }
  | { kind: 'ignored' };

export type EventReadError = { kind: 'malformed'; fields: string[] };

export const MEETING_ENDED = 'meeting.ended';
export const RECORDING_EVENTS = { completed: 'recording.completed', trashed: 'recording.trashed', deleted: 'recording.deleted' } as const;
export const CALL_HISTORY_EVENTS = {
  completed: ['phone.caller_call_history_completed', 'phone.callee_call_history_completed'],
  deleted: 'phone.call_history_deleted',
} as const;

function read<S extends z.ZodType>(schema: S, object: unknown, act: (value: z.output<S>) => ZoomEventAction | null): ZoomEventAction | EventReadError {
  const parsed = schema.safeParse(object);
  // Field paths only: values are content.
  if (!parsed.success) return { kind: 'malformed', fields: parsed.error.issues.slice(0, 3).map((i) => i.path.join('.')) };
  return act(parsed.data) ?? { kind: 'malformed', fields: [] };
}

/** Reads the event's object: what to store or delete, `ignored`, or why it cannot be read. */
export function readZoomEvent(event: string, object: unknown): ZoomEventAction | EventReadError {
  if (event === MEETING_ENDED) {
    return read(meetingEndedObject, object, (m) => ({
      kind: 'store-meeting',
      meeting: {
        uuid: m.uuid,
        meetingId: m.id,
        hostId: m.host_id ?? '',
        topic: m.topic ?? '',
        type: m.type ?? 0,
        startTime: m.start_time,
        durationMinutes: m.duration ?? (m.end_time ? Math.max(0, Math.round((m.end_time - m.start_time) / MINUTE_MS)) : 0),
        timezone: m.timezone || null,
        endTime: m.end_time ?? null,
        participantsCount: null,
        source: 'meetings',
      },
    }));
  }
  if (event === RECORDING_EVENTS.completed) {
    return read(recordingSchema, object, (r) => {
      const recording = toRecording(r);
      return recording ? { kind: 'store-recording', recording } : null;
    });
  }
  if (event === RECORDING_EVENTS.trashed || event === RECORDING_EVENTS.deleted) {
    return read(recordingRemovedObject, object, (r) => ({
      kind: 'remove-recording',
      meetingUuid: r.uuid,
      fileIds: r.recording_files && r.recording_files.length > 0 ? r.recording_files.map((f) => f.id) : null,
    }));
  }
  if ((CALL_HISTORY_EVENTS.completed as readonly string[]).includes(event)) {
    return read(callHistoryCompletedObject, object, (c) => ({ kind: 'store-calls', calls: c.call_logs.map(toCall).filter((call) => call !== null) }));
  }
  if (event === CALL_HISTORY_EVENTS.deleted) {
    return read(callHistoryDeletedObject, object, (d) => (d.delete_all ? { kind: 'remove-calls', ids: 'all' } : d.call_log_ids ? { kind: 'remove-calls', ids: d.call_log_ids } : null));
  }
  return { kind: 'ignored' };
}
