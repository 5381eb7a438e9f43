// Zoom's JSON (as parsed by ./schemas.ts) -> the records of src/core/records.ts.

import { createHash } from 'node:crypto';
import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingFileRecord, RecordingRecord } from '../core/records.js';
import type { CallLogJson, MeetingItemJson, PastMeetingJson, ParticipantJson, RecordingJson, UserMeJson } from './schemas.js';

export interface ZoomUser {
  id: string;
  accountId: string;
  email: string;
  displayName: string;
  /** The personal meeting ID, as a string like every meeting ID here; null when Zoom sent none. */
  pmi: string | null;
}

export function toZoomUser(me: UserMeJson): ZoomUser {
  const fullName = [me.first_name, me.last_name].filter(Boolean).join(' ');
  return { id: me.id, accountId: me.account_id, email: me.email ?? '', displayName: me.display_name || fullName, pmi: me.pmi ? String(me.pmi) : null };
}

/** A row of previous_meetings: a scheduled or recurring meeting ID, and the instance the row describes (when it names one). */
export interface ListedMeeting {
  meetingId: string;
  uuid: string | null;
  startTime: number | null;
}

export function toListedMeeting(item: MeetingItemJson): ListedMeeting {
  return { meetingId: item.id, uuid: item.uuid, startTime: item.start_time };
}

/** One ended instance of a meeting ID, as /past_meetings/{id}/instances lists it. */
export interface MeetingInstance {
  uuid: string;
  startTime: number | null;
}

/** /past_meetings/{uuid}: everything a meeting record holds. */
export function toPastMeeting(item: PastMeetingJson): MeetingRecord {
  return {
    uuid: item.uuid,
    meetingId: item.id,
    hostId: item.host_id ?? '',
    topic: item.topic ?? '',
    type: item.type ?? 0,
    startTime: item.start_time,
    durationMinutes: item.duration ?? 0,
    timezone: null,
    endTime: item.end_time,
    participantsCount: item.participants_count,
    source: 'meetings',
  };
}

/**
 * The same attendance gets the same key on every sync: Zoom's `id` (the person's user id) or
 * else `user_id` (the per-meeting participant id) or else the name, with the join time.
 */
export function participantKey(p: Pick<ParticipantJson, 'id' | 'user_id' | 'name' | 'join_time'>): string {
  const who = p.id || p.user_id || p.name || '';
  return createHash('sha1').update(`${who}\n${p.join_time ?? ''}`).digest('hex').slice(0, 16);
}

export function toParticipant(meetingUuid: string, p: ParticipantJson): ParticipantRecord {
  return {
    meetingUuid,
    key: participantKey(p),
    participantId: p.user_id,
    userId: p.id,
    name: p.name ?? '',
    email: p.user_email,
    joinTime: p.join_time,
    leaveTime: p.leave_time,
    durationSeconds: p.duration ?? 0,
  };
}

function toRecordingFile(file: NonNullable<RecordingJson['recording_files']>[number], index: number): RecordingFileRecord {
  return {
    // Zoom omits the id of some files (e.g. timelines); position keeps them apart within the meeting.
    id: file.id ?? `${file.recording_type ?? file.file_type ?? 'file'}#${index}`,
    fileType: file.file_type,
    recordingType: file.recording_type,
    recordingStart: file.recording_start,
    recordingEnd: file.recording_end,
    fileSize: file.file_size,
  };
}

/** Null when neither the recording nor any of its files says when it started: such an item cannot be placed. */
export function toRecording(item: RecordingJson): RecordingRecord | null {
  const fileStarts = (item.recording_files ?? []).map((f) => f.recording_start).filter((t) => t !== null);
  const startTime = item.start_time ?? (fileStarts.length > 0 ? Math.min(...fileStarts) : null);
  if (startTime === null) return null;
  return {
    meetingUuid: item.uuid,
    meetingId: item.id,
    topic: item.topic ?? '',
    startTime,
    durationMinutes: item.duration ?? 0,
    totalSize: item.total_size,
    files: (item.recording_files ?? []).map(toRecordingFile),
  };
}

/** Null for a call without a start time: it cannot be placed in the history. */
export function toCall(log: CallLogJson): CallRecord | null {
  if (log.start_time === null) return null;
  return {
    id: log.id,
    callId: log.call_id ?? log.id,
    direction: log.direction ?? '',
    callerName: log.caller_name,
    callerNumber: log.caller_did_number ?? log.caller_ext_number,
    calleeName: log.callee_name,
    calleeNumber: log.callee_did_number ?? log.callee_ext_number,
    startTime: log.start_time,
    answerTime: log.answer_time,
    endTime: log.end_time,
    result: log.result,
    talkTimeSeconds: log.talk_time,
    recordingId: log.recording_id,
  };
}
