// Zoom's JSON (as parsed by ./schemas.ts) -> the records of src/core/records.ts.

import { createHash } from 'node:crypto';
import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingFileRecord, RecordingRecord } from '../core/records.js';
import type { CallLogJson, MeetingItemJson, ParticipantJson, RecordingJson, ReportMeetingJson, UserMeJson } from './schemas.js';

export interface ZoomUser {
  id: string;
  accountId: string;
  email: string;
  displayName: string;
}

export function toZoomUser(me: UserMeJson): ZoomUser {
  const fullName = [me.first_name, me.last_name].filter(Boolean).join(' ');
  return { id: me.id, accountId: me.account_id, email: me.email ?? '', displayName: me.display_name || fullName };
}

export function toMeeting(item: MeetingItemJson): MeetingRecord {
  return {
    uuid: item.uuid,
    meetingId: item.id,
    hostId: item.host_id ?? '',
    topic: item.topic ?? '',
    type: item.type ?? 0,
    startTime: item.start_time,
    durationMinutes: item.duration ?? 0,
    timezone: item.timezone,
    endTime: null,
    participantsCount: null,
    source: 'meetings',
  };
}

export function toReportMeeting(item: ReportMeetingJson): MeetingRecord {
  return { ...toMeeting(item), endTime: item.end_time, participantsCount: item.participants_count, source: 'report' };
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

export function toRecording(item: RecordingJson): RecordingRecord {
  return {
    meetingUuid: item.uuid,
    meetingId: item.id,
    topic: item.topic ?? '',
    startTime: item.start_time,
    durationMinutes: item.duration ?? 0,
    totalSize: item.total_size,
    files: (item.recording_files ?? []).map(toRecordingFile),
  };
}

export function toCall(log: CallLogJson): CallRecord {
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
