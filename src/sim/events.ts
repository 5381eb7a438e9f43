// The event notifications Zoom sends for what happens in a user's history, in Zoom's shapes (typed
// with Rivet's event types, see zoomJson.ts). WebhookPoster (webhook.ts) delivers them.

import type { UserProfile } from './directory.js';
import type { SimMeeting, SimRecording } from './userData.js';
import type {
  CallHistoryCompletedJson,
  CallHistoryDeletedJson,
  CallLogJson,
  MeetingEndedJson,
  RecordingCompletedJson,
  RecordingDeletedJson,
  RecordingFileJson,
  RecordingTrashedJson,
} from './zoomJson.js';
import { zoomIso } from './zoomTime.js';

/** meeting.ended: the only word Zoom gives of an instant meeting on a random ID. */
export function meetingEnded(profile: UserProfile, meeting: SimMeeting, at: number): MeetingEndedJson {
  const { past } = meeting;
  return {
    event: 'meeting.ended',
    event_ts: at,
    payload: {
      account_id: profile.user.accountId,
      object: {
        // A string here, unlike the number of the REST API (Zoom's event schema).
        id: String(past.id),
        uuid: past.uuid,
        host_id: past.host_id,
        topic: past.topic,
        type: past.type,
        start_time: past.start_time,
        timezone: profile.timezone,
        duration: past.duration,
        end_time: past.end_time,
      },
    },
  };
}

type CompletedFile = RecordingCompletedJson['payload']['object']['recording_files'][number];
/**
 * The file types recording.completed carries. Audio transcripts are not among them: Zoom announces
 * a transcript later, with recording.transcript_completed.
 */
const COMPLETED_TYPES: ReadonlySet<string> = new Set<CompletedFile['recording_type']>(['shared_screen_with_speaker_view', 'audio_only', 'chat_file']);
const isCompletedType = (type: string): type is CompletedFile['recording_type'] => COMPLETED_TYPES.has(type);

function completedFile(file: RecordingFileJson): CompletedFile | null {
  const type = file.recording_type;
  return isCompletedType(type) ? { ...file, recording_type: type } : null;
}

export function recordingCompleted(profile: UserProfile, recording: SimRecording, at: number): RecordingCompletedJson {
  const { json } = recording;
  return {
    event: 'recording.completed',
    event_ts: at,
    download_token: 'sim-download-token',
    payload: {
      account_id: profile.user.accountId,
      object: {
        id: json.id,
        uuid: json.uuid,
        host_id: json.host_id,
        account_id: json.account_id,
        topic: json.topic,
        type: Number(json.type) as RecordingCompletedJson['payload']['object']['type'],
        start_time: json.start_time,
        password: '',
        timezone: recording.timezone,
        host_email: profile.user.email,
        duration: json.duration,
        share_url: recording.shareUrl,
        total_size: json.total_size,
        recording_count: json.recording_count,
        recording_files: json.recording_files.map(completedFile).filter((f) => f !== null),
      },
    },
  };
}

/** recording.trashed or recording.deleted for the whole recording of one meeting, done by its host. */
export function recordingRemoved(how: 'trash' | 'delete', profile: UserProfile, recording: SimRecording, at: number): RecordingTrashedJson | RecordingDeletedJson {
  const { json } = recording;
  const object = {
    id: json.id,
    uuid: json.uuid,
    host_id: json.host_id,
    account_id: json.account_id,
    topic: json.topic,
    type: Number(json.type) as RecordingTrashedJson['payload']['object']['type'],
    start_time: json.start_time,
    timezone: recording.timezone,
    duration: json.duration,
    share_url: recording.shareUrl,
    total_size: json.total_size,
    recording_count: json.recording_count,
    recording_files: json.recording_files,
  };
  const payload = { account_id: profile.user.accountId, operator: profile.user.email, operator_id: profile.user.userId, object };
  return how === 'trash' ? { event: 'recording.trashed', event_ts: at, payload } : { event: 'recording.deleted', event_ts: at, payload };
}

/** The caller's or the callee's call-history event, whichever side the user was on. */
export function callHistoryCompleted(profile: UserProfile, call: CallLogJson, at: number): CallHistoryCompletedJson {
  const payload = { account_id: profile.user.accountId, object: { user_id: profile.user.userId, call_logs: [call] } };
  return call.direction === 'outbound'
    ? { event: 'phone.caller_call_history_completed', event_ts: at, payload }
    : { event: 'phone.callee_call_history_completed', event_ts: at, payload };
}

export function callHistoryDeleted(profile: UserProfile, callIds: string[], at: number): CallHistoryDeletedJson {
  return {
    event: 'phone.call_history_deleted',
    event_ts: at,
    payload: { account_id: profile.user.accountId, object: { user_id: profile.user.userId, move_to_trash: false, execute_time: zoomIso(at), delete_all: false, call_log_ids: callIds } },
  };
}
