// The parts of Zoom's JSON the client reads (spec/zoom-rivet, Zoom's own typed shapes), checked
// with zod. Only what identifies an item is required; everything else may be missing or null (every
// field is optional in Zoom's spec). An item missing what the records cannot do without (a call or
// recording without a start time) is left out by the mapping, never failing its page. Unknown
// fields are ignored.

import { z } from 'zod';

/** An ISO-8601 time as ms; anything Date.parse cannot read fails the page. */
const time = z.string().transform((text, ctx) => {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'not a time' });
    return z.NEVER;
  }
  return ms;
});

/** Missing, null or '' -> null; otherwise it must be a time. */
const optionalTime = z
  .string()
  .nullish()
  .transform((text, ctx) => {
    if (!text) return null;
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'not a time' });
      return z.NEVER;
    }
    return ms;
  });

/** Zoom sends meeting ids as numbers and most other ids as strings. */
const id = z.union([z.string().min(1), z.number().int()]).transform(String);
const optionalText = z
  .string()
  .nullish()
  .transform((text) => (text ? text : null));
const optionalNumber = z
  .number()
  .nullish()
  .transform((n) => n ?? null);

export const userMeSchema = z.object({
  id: z.string().min(1),
  account_id: z.string().min(1),
  email: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  display_name: z.string().nullish(),
  /** The personal meeting ID: a number in Zoom's schema. */
  pmi: z.union([z.number().int().positive(), z.string().regex(/^\d+$/)]).nullish(),
});

/**
 * A row of previous_meetings: one meeting ID. Zoom's spec makes every field optional, and a
 * recurring meeting with no fixed time (type 3) has no start time.
 */
export const meetingItemSchema = z.object({
  uuid: optionalText,
  id,
  topic: z.string().nullish(),
  type: z.number().int().nullish(),
  start_time: optionalTime,
});

/** /past_meetings/{uuid}: one ended instance. */
export const pastMeetingSchema = z.object({
  uuid: z.string().min(1),
  id,
  host_id: z.string().nullish(),
  topic: z.string().nullish(),
  type: z.number().int().nullish(),
  start_time: time,
  end_time: optionalTime,
  duration: optionalNumber,
  participants_count: optionalNumber,
});

export const instancesSchema = z.object({
  meetings: z.array(z.object({ uuid: z.string().min(1), start_time: optionalTime })).nullish(),
});

export const participantSchema = z.object({
  id: optionalText,
  user_id: optionalText,
  name: z.string().nullish(),
  user_email: optionalText,
  join_time: optionalTime,
  leave_time: optionalTime,
  duration: optionalNumber,
});

export const recordingFileSchema = z.object({
  id: optionalText,
  file_type: optionalText,
  recording_type: optionalText,
  recording_start: optionalTime,
  recording_end: optionalTime,
  file_size: optionalNumber,
});

export const recordingSchema = z.object({
  uuid: z.string().min(1),
  id,
  topic: z.string().nullish(),
  start_time: optionalTime,
  duration: optionalNumber,
  total_size: optionalNumber,
  recording_files: z.array(recordingFileSchema).nullish(),
});

export const callLogSchema = z.object({
  id: z.string().min(1),
  call_id: optionalText,
  direction: z.string().nullish(),
  caller_name: optionalText,
  caller_did_number: optionalText,
  caller_ext_number: optionalText,
  callee_name: optionalText,
  callee_did_number: optionalText,
  callee_ext_number: optionalText,
  start_time: optionalTime,
  answer_time: optionalTime,
  end_time: optionalTime,
  result: optionalText,
  talk_time: optionalNumber,
  recording_id: optionalText,
});

const nextPageToken = z.string().nullish();

// Zoom may leave an empty list out altogether.
export const meetingsPageSchema = z.object({ next_page_token: nextPageToken, meetings: z.array(meetingItemSchema).nullish() });
export const participantsPageSchema = z.object({ next_page_token: nextPageToken, participants: z.array(participantSchema).nullish() });
export const recordingsPageSchema = z.object({ next_page_token: nextPageToken, meetings: z.array(recordingSchema).nullish() });
export const callHistoryPageSchema = z.object({ next_page_token: nextPageToken, call_logs: z.array(callLogSchema).nullish() });

export type UserMeJson = z.output<typeof userMeSchema>;
export type MeetingItemJson = z.output<typeof meetingItemSchema>;
export type PastMeetingJson = z.output<typeof pastMeetingSchema>;
export type ParticipantJson = z.output<typeof participantSchema>;
export type RecordingJson = z.output<typeof recordingSchema>;
export type CallLogJson = z.output<typeof callLogSchema>;
