// Finding a meeting from the {meetingId} path segment, as Zoom's gateway does.

import { zoomError, type Reply } from './reply.js';
import type { SimMeeting, UserData } from './userData.js';

export type MeetingLookup = { ok: true; meeting: SimMeeting } | { ok: false; reply: Reply };

/** Zoom's rule: such a UUID must be double-encoded in a path. */
export const needsDoubleEncoding = (uuid: string): boolean => uuid.startsWith('/') || uuid.includes('//');

/**
 * A numeric id means the meeting's latest instance. A UUID must be double-encoded when it starts
 * with '/' or contains '//': Zoom's gateway decodes a single-encoded %2F into a path separator,
 * so such a UUID is not found. Other UUIDs work encoded once or twice (base64 never holds '%', so
 * a '%' left after one decoding means a second encoding).
 */
export function findMeeting(data: UserData, raw: string): MeetingLookup {
  // Only the id the caller sent goes into the message, never content.
  const missing = (shown: string): MeetingLookup => ({ ok: false, reply: zoomError(404, 3001, `Meeting does not exist: ${shown}.`) });
  const decode = (text: string): string | null => {
    try {
      return decodeURIComponent(text);
    } catch {
      return null;
    }
  };
  const once = decode(raw);
  if (once === null) return missing(raw);
  if (/^\d+$/.test(once)) {
    const latest = data.instancesOf(Number(once)).at(-1);
    return latest ? { ok: true, meeting: latest } : missing(once);
  }
  if (once.includes('%')) {
    const twice = decode(once);
    const meeting = twice === null ? undefined : data.meetingByUuid(twice);
    return meeting ? { ok: true, meeting } : missing(twice ?? once);
  }
  const meeting = data.meetingByUuid(once);
  return meeting && !needsDoubleEncoding(meeting.uuid) ? { ok: true, meeting } : missing(once);
}
