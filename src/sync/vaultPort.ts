import type { Vault } from '../store/index.js';

/** What one sync run needs from the account's vault (the Vault itself, or a test's wrapper of it). */
export type SyncVault = Pick<
  Vault,
  | 'getWindow'
  | 'savePage'
  | 'completeWindow'
  | 'restartWindow'
  | 'removeUnlisted'
  | 'rememberMeetingId'
  | 'meetingIdsToList'
  | 'meetingIdListedAt'
  | 'relistMeetingId'
  | 'knowsMeeting'
  | 'saveInstances'
  | 'pendingInstances'
  | 'saveMeetingDetails'
  | 'markDetailsUnavailable'
  | 'meetingsNeedingParticipants'
  | 'saveParticipants'
  | 'markParticipantsUnavailable'
  | 'lastRetentionSweep'
  | 'sweepRetention'
  | 'getMeta'
  | 'setMeta'
>;
