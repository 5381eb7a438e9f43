// `status` says per account how complete its history is (issue 12). What a user-managed app can
// read before it is installed: meetings whose meeting ID Zoom still lists (scheduled meetings of
// the last month or so, running recurring series), every meeting on the personal meeting ID, and
// every recorded meeting, with all instances of each of those IDs. Instant meetings on other IDs
// appear in no list: only Zoom's meeting.ended event tells of them, and the relay keeps that event
// for the device from its enrollment on.

import type { HistoryCompleteness } from '../ipc/schemas.js';
import type { CallsAvailability } from '../sync/accountMeta.js';

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const LISTED = 'scheduled and recurring meetings Zoom still lists, meetings on your personal meeting ID, and recorded meetings';

export function historyCompleteness(meetingsCompleteSince: number | null, calls: CallsAvailability): HistoryCompleteness {
  const meetings =
    meetingsCompleteSince === null
      ? `Meetings: ${LISTED}; other instant meetings only when recorded (they need the relay).`
      : `Meetings: complete since ${day(meetingsCompleteSince)}; earlier: ${LISTED} only.`;
  const phone = calls.available ? 'Calls: synced.' : `Calls: not available for this account (Zoom Phone; checked ${day(calls.checkedAt)}, again weekly).`;
  return {
    meetingsCompleteSince,
    calls: calls.available ? 'available' : 'not-available',
    callsCheckedAt: calls.available ? null : calls.checkedAt,
    summary: `${meetings} ${phone}`,
  };
}
