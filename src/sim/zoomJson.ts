// The JSON the simulator serves and posts, typed with Zoom's own SDK (@zoom/rivet, a
// devDependency: these imports are types only and leave no trace in dist/). Each type is Rivet's,
// with the fields the simulator always sends made required: a field Rivet does not know, or a value
// of another type, fails the type check, so the simulator cannot drift from Zoom's shapes unseen.
// Times are ISO-8601 UTC without milliseconds ('2026-01-15T12:00:00Z'), as Zoom writes them.

import type {
  CloudRecordingListAllRecordingsResponse,
  MeetingEndedEvent,
  MeetingsGetPastMeetingDetailsResponse,
  MeetingsGetPastMeetingParticipantsResponse,
  MeetingsListMeetingsResponse,
  MeetingsListPastMeetingInstancesResponse,
  RecordingCompletedEvent,
  RecordingDeletedEvent,
  RecordingTrashedEvent,
  ReportsGetMeetingReportsResponse,
} from '@zoom/rivet/meetings';
import type { CallLogsGetUsersCallHistoryResponse, PhoneCallHistoryDeletedEvent, PhoneCalleeCallHistoryCompletedEvent, PhoneCallerCallHistoryCompletedEvent } from '@zoom/rivet/phone';
import type { UsersGetUserResponse } from '@zoom/rivet/users';

type ItemOf<List> = NonNullable<List> extends readonly (infer T)[] ? T : never;
/** Rivet's `T` with the fields in `Always` required (and not undefined). */
type Serves<T, Always extends keyof T> = Omit<T, Always> & { [K in Always]-?: Exclude<T[K], undefined> };

/** GET /users/me. */
export type UserMeJson = Serves<UsersGetUserResponse, 'id' | 'account_id' | 'email' | 'first_name' | 'last_name' | 'type' | 'role_name' | 'timezone' | 'status' | 'pmi' | 'use_pmi'>;

/**
 * An item of /users/{userId}/meetings: one per meeting ID. `start_time` is absent for a recurring
 * meeting with no fixed time (type 3).
 */
export type MeetingListItemJson = Serves<ItemOf<MeetingsListMeetingsResponse['meetings']>, 'uuid' | 'id' | 'host_id' | 'topic' | 'type' | 'duration' | 'timezone' | 'created_at' | 'join_url'>;

/** /past_meetings/{meetingId}. `type` 4 is a meeting on the personal meeting ID. */
export type PastMeetingJson = Serves<
  MeetingsGetPastMeetingDetailsResponse,
  'uuid' | 'id' | 'host_id' | 'type' | 'topic' | 'user_name' | 'user_email' | 'start_time' | 'end_time' | 'duration' | 'total_minutes' | 'participants_count' | 'source'
>;

/** An item of /past_meetings/{meetingId}/instances. */
export type InstanceJson = Serves<ItemOf<MeetingsListPastMeetingInstancesResponse['meetings']>, 'uuid' | 'start_time'>;

/** An item of /report/users/{userId}/meetings (admin-managed apps only). */
export type ReportMeetingJson = Serves<
  ItemOf<ReportsGetMeetingReportsResponse['meetings']>,
  'uuid' | 'id' | 'type' | 'topic' | 'user_name' | 'user_email' | 'start_time' | 'end_time' | 'duration' | 'total_minutes' | 'participants_count' | 'source' | 'has_recording' | 'has_screen_share' | 'has_chat' | 'meeting_encryption_status'
>;

/** A row of /past_meetings/{id}/participants (and of the report's participants). */
export type ParticipantJson = Serves<
  ItemOf<MeetingsGetPastMeetingParticipantsResponse['participants']>,
  'id' | 'user_id' | 'name' | 'user_email' | 'join_time' | 'leave_time' | 'duration' | 'failover' | 'status' | 'internal_user'
>;

type ListedRecording = ItemOf<CloudRecordingListAllRecordingsResponse['meetings']>;

type EventFileFields = 'file_type' | 'file_extension' | 'recording_type' | 'status';

/** A recording file: as listed, and as the trashed and deleted events carry it (so typed as all three). */
export type RecordingFileJson = Serves<
  ItemOf<ListedRecording['recording_files']>,
  'id' | 'meeting_id' | 'recording_start' | 'recording_end' | 'file_type' | 'file_extension' | 'file_size' | 'play_url' | 'download_url' | 'status' | 'recording_type'
> &
  Pick<ItemOf<RecordingTrashedEvent['payload']['object']['recording_files']>, EventFileFields> &
  Pick<ItemOf<RecordingDeletedEvent['payload']['object']['recording_files']>, EventFileFields>;

/** An item of /users/{userId}/recordings. Its `type` is a string, unlike the meeting list's. */
export type RecordingMeetingJson = Omit<
  Serves<ListedRecording, 'uuid' | 'id' | 'account_id' | 'host_id' | 'topic' | 'type' | 'start_time' | 'duration' | 'total_size' | 'recording_count'>,
  'recording_files'
> & { recording_files: RecordingFileJson[] };

/**
 * An item of /phone/users/{userId}/call_history. It must also be what Zoom's call-history
 * completed events carry, so it is typed as both.
 */
export type CallLogJson = Serves<
  ItemOf<CallLogsGetUsersCallHistoryResponse['call_logs']>,
  | 'id'
  | 'call_path_id'
  | 'call_id'
  | 'connect_type'
  | 'call_type'
  | 'direction'
  | 'hide_caller_id'
  | 'end_to_end'
  | 'caller_name'
  | 'caller_did_number'
  | 'caller_number_type'
  | 'callee_name'
  | 'callee_did_number'
  | 'callee_number_type'
  | 'start_time'
  | 'end_time'
  | 'event'
  | 'result'
  | 'talk_time'
  | 'hold_time'
  | 'wait_time'
> &
  ItemOf<PhoneCallerCallHistoryCompletedEvent['payload']['object']['call_logs']>;

// The events the simulator posts, exactly as Rivet types them.
export type MeetingEndedJson = MeetingEndedEvent;
export type RecordingCompletedJson = RecordingCompletedEvent;
export type RecordingTrashedJson = RecordingTrashedEvent;
export type RecordingDeletedJson = RecordingDeletedEvent;
export type CallHistoryCompletedJson = PhoneCallerCallHistoryCompletedEvent | PhoneCalleeCallHistoryCompletedEvent;
export type CallHistoryDeletedJson = PhoneCallHistoryDeletedEvent;
export type ZoomEventJson = MeetingEndedJson | RecordingCompletedJson | RecordingTrashedJson | RecordingDeletedJson | CallHistoryCompletedJson | CallHistoryDeletedJson;
