// The JSON the simulator serves, field for field as Zoom names it (spec/zoom-openapi). Times are
// ISO-8601 UTC without milliseconds ('2026-01-15T12:00:00Z'), as Zoom writes them.

export interface UserMeJson {
  id: string;
  account_id: string;
  email: string;
  first_name: string;
  last_name: string;
  /** 1 Basic (Free), 2 Licensed. */
  type: number;
  role_name: string;
  timezone: string;
  status: 'active';
}

/** An item of /users/{userId}/meetings. */
export interface MeetingListItemJson {
  uuid: string;
  id: number;
  host_id: string;
  topic: string;
  /** 1 instant, 2 scheduled, 3 recurring without a fixed time, 8 recurring with a fixed time. */
  type: number;
  start_time: string;
  /** Scheduled minutes. */
  duration: number;
  timezone: string;
  created_at: string;
  join_url: string;
}

/** /past_meetings/{meetingId}. */
export interface PastMeetingJson {
  uuid: string;
  id: number;
  host_id: string;
  type: number;
  topic: string;
  user_name: string;
  user_email: string;
  start_time: string;
  end_time: string;
  /** Minutes. */
  duration: number;
  total_minutes: number;
  participants_count: number;
  source: string;
}

/** An item of /report/users/{userId}/meetings. */
export interface ReportMeetingJson extends PastMeetingJson {
  has_recording: boolean;
  has_screen_share: boolean;
  has_chat: boolean;
  meeting_encryption_status: number;
}

/** A row of /past_meetings/{id}/participants and /report/meetings/{id}/participants. */
export interface ParticipantJson {
  /** The participant's Zoom user id; '' for a guest without a Zoom account. */
  id: string;
  /** The per-meeting participant id. */
  user_id: string;
  name: string;
  /** '' when the participant gave none. */
  user_email: string;
  join_time: string;
  leave_time: string;
  /** Seconds. */
  duration: number;
  failover: boolean;
  status: 'in_meeting';
  internal_user: boolean;
}

export interface RecordingFileJson {
  id: string;
  /** The meeting UUID. */
  meeting_id: string;
  recording_start: string;
  recording_end: string;
  file_type: string;
  file_extension: string;
  file_size: number;
  play_url: string;
  download_url: string;
  status: 'completed';
  recording_type: string;
}

/** An item of /users/{userId}/recordings. */
export interface RecordingMeetingJson {
  uuid: string;
  id: number;
  account_id: string;
  host_id: string;
  topic: string;
  /** A string in Zoom's recording schema ("1".."9", "99"), unlike the meeting list. */
  type: string;
  start_time: string;
  timezone: string;
  duration: number;
  total_size: number;
  recording_count: number;
  share_url: string;
  recording_files: RecordingFileJson[];
}

/** An item of /phone/users/{userId}/call_history. Fields absent for a call are left out. */
export interface CallLogJson {
  id: string;
  call_path_id: string;
  call_id: string;
  connect_type: 'internal' | 'external';
  call_type: 'general';
  direction: 'inbound' | 'outbound';
  hide_caller_id: boolean;
  end_to_end: boolean;
  caller_name: string;
  caller_did_number: string;
  caller_ext_number?: string;
  caller_ext_type?: string;
  caller_email?: string;
  caller_number_type: string;
  callee_name: string;
  callee_did_number: string;
  callee_ext_number?: string;
  callee_ext_type?: string;
  callee_email?: string;
  callee_number_type: string;
  start_time: string;
  answer_time?: string;
  end_time: string;
  event: 'incoming' | 'outgoing';
  result: 'answered' | 'voicemail' | 'hang_up' | 'no_answer';
  talk_time: number;
  hold_time: number;
  wait_time: number;
  recording_id?: string;
  recording_type?: 'automatic' | 'ad-hoc';
}
