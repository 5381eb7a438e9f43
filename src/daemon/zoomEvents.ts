// What the daemon does with a Zoom event the relay kept for this device (issue 12, the contract in
// ZoomEventNotice): a meeting that ended is stored at once (the only word Zoom gives of an instant
// meeting on a random ID), a recording or calls that completed likewise, and a recording or calls
// deleted at Zoom are deleted here as securely as retention deletes. The answer says whether the
// notice was handled, so that the relay may forget it; false brings it again at the next connect.

import type { Clock } from '../core/clock.js';
import type { Resource } from '../core/records.js';
import type { ZoomEventNotice } from '../core/wire.js';
import type { Logger } from '../platform/logger.js';
import type { Vault } from '../store/index.js';
import { readZoomEvent, type ZoomEventAction } from '../zoom/index.js';
import type { LiveAccount } from './accounts.js';
import type { EventBus } from './events.js';

export interface ZoomEventDeps {
  /** The live account of a key, or null when none is held (never connected here, or wiped). */
  account(accountKey: string): Pick<LiveAccount, 'vault'> | null;
  /** May the account's data be written now (lease valid, no wipe pending)? */
  mayStore(accountKey: string): boolean;
  /** Asks for a sync of the accounts (an event this daemon cannot read: the sync finds what it meant). */
  requestSync(accountKeys: string[]): void;
  events: EventBus;
  clock: Clock;
  log: Logger;
}

/** Rows changed, by resource, for `data.changed`. */
type Changed = Partial<Record<Resource, number>>;

function apply(vault: Vault, action: Exclude<ZoomEventAction, { kind: 'ignored' }>, at: number): Changed {
  switch (action.kind) {
    case 'store-meeting':
      vault.saveEventMeeting(action.meeting, at);
      return { meetings: 1 };
    case 'store-recording':
      vault.saveEventRecordings([action.recording], at);
      return { recordings: 1 };
    case 'store-calls':
      vault.saveEventCalls(action.calls, at);
      return { calls: action.calls.length };
    case 'remove-recording':
      return { recordings: vault.removeRecordings([{ meetingUuid: action.meetingUuid, fileIds: action.fileIds }]) };
    case 'remove-calls':
      return { calls: vault.removeCalls(action.ids) };
  }
}

/**
 * Handles one notice for the local accounts of its Zoom user. Resolves true once it is handled for
 * every one of them: stored, deleted, or nothing to do (an account not held, being wiped or out of
 * lease holds nothing to add to; an event this daemon does not act on). An object it cannot read is
 * handled by asking for a sync, which fetches whatever Zoom meant: keeping it would bring it back
 * forever. Resolves false only when a vault could not be written: the relay sends it again.
 */
export async function handleZoomEvent(deps: ZoomEventDeps, accountKeys: string[], notice: ZoomEventNotice): Promise<boolean> {
  const read = readZoomEvent(notice.event, notice.object);
  if (read.kind === 'ignored') return true;
  if (read.kind === 'malformed') {
    deps.log.warn({ event: notice.event, notice: notice.noticeId, fields: read.fields }, 'a Zoom event could not be read; syncing instead');
    deps.requestSync(accountKeys);
    return true;
  }
  let handled = true;
  for (const accountKey of accountKeys) {
    const live = deps.account(accountKey);
    if (!live || !live.vault.isOpen || !deps.mayStore(accountKey)) continue;
    let changed: Changed;
    try {
      changed = apply(live.vault, read, deps.clock.now());
    } catch (e) {
      // The vault closed under it (a wipe began) or the disk failed: the relay keeps the notice.
      deps.log.warn({ account: accountKey, event: notice.event, notice: notice.noticeId, error: (e as Error).name }, 'a Zoom event could not be stored');
      handled = false;
      continue;
    }
    for (const [resource, count] of Object.entries(changed) as [Resource, number][]) {
      if (count > 0) deps.events.emit('data.changed', { accountKey, resource, count });
    }
    deps.log.info({ account: accountKey, event: notice.event, notice: notice.noticeId, ...changed }, 'Zoom event applied');
  }
  return handled;
}
