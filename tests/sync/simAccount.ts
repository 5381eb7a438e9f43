// An account connected to the simulator, and what a correct sync of it must store.

import { systemClock } from '../../src/core/clock.js';
import type { Simulator, SimUser } from '../../src/sim/index.js';
import { openVault, type Vault } from '../../src/store/index.js';
import { historyStart } from '../../src/sync/windows.js';
import { vaultTokenStore } from '../../src/sync/zoomSource.js';
import { createPkce, exchangeCode } from '../../src/zoom/index.js';
import { authorizeCode, REDIRECT_URI } from '../sim/helpers.js';
import { unwrap } from '../store/fixtures.js';
import { TEST_KEY } from '../helpers/vaultKey.js';

/** A PKCE login as `user` (the test plays the browser); the tokens go into a new vault at `file`. */
export async function connectVault(sim: Simulator, user: SimUser, file: string): Promise<Vault> {
  const { verifier, challenge } = createPkce();
  const code = await authorizeCode(sim, challenge, user.userId);
  const tokens = unwrap(await exchangeCode({ oauthUrl: sim.url, clientId: sim.clientId }, { code, redirectUri: REDIRECT_URI, verifier }, { clock: systemClock }));
  const vault = unwrap(openVault(file, { create: true, key: TEST_KEY }));
  vaultTokenStore(vault, systemClock).save(tokens);
  return vault;
}

export interface HistoryIds {
  meetings: string[];
  participants: number;
  calls: string[];
  recordings: string[];
}

/**
 * What a correct sync of a user-managed grant stores, from the simulator's ground truth: every
 * meeting it can discover without Zoom's events (see MeetingTruth.discoverable), calls of the last
 * 6 months, all recordings, within the configured history.
 */
export function expectedIds(sim: Simulator, userId: string, historyDays: number, retentionDays: number, now = Date.now()): HistoryIds {
  const truth = sim.admin.groundTruth(userId);
  const since = (resource: 'meetings' | 'calls' | 'recordings') => historyStart(resource, now, Math.min(historyDays, retentionDays));
  const meetings = truth.meetings.filter((m) => m.discoverable && Date.parse(m.pastMeeting.start_time) >= since('meetings'));
  return {
    meetings: meetings.map((m) => m.pastMeeting.uuid).sort(),
    participants: meetings.reduce((n, m) => n + m.participants.length, 0),
    calls: truth.calls.filter((c) => c.inCallHistory && Date.parse(c.log.start_time) >= since('calls')).map((c) => c.log.id).sort(),
    recordings: truth.recordings.filter((r) => Date.parse(r.start_time) >= since('recordings')).map((r) => r.uuid).sort(),
  };
}

export function storedIds(vault: Vault): HistoryIds {
  const all = <T>(list: (cursor?: string) => { items: T[]; nextCursor: string | null }): T[] => {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = list(cursor);
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  };
  return {
    meetings: all((cursor) => unwrap(vault.listMeetings({ limit: 500, cursor }))).map((m) => m.uuid).sort(),
    participants: vault.counts().participants,
    calls: all((cursor) => unwrap(vault.listCalls({ limit: 500, cursor }))).map((c) => c.id).sort(),
    recordings: all((cursor) => unwrap(vault.listRecordings({ limit: 500, cursor }))).map((r) => r.meetingUuid).sort(),
  };
}

/** API requests the simulator has answered (or held) since its counts were last reset. */
export function apiRequests(sim: Simulator): number {
  return Object.entries(sim.admin.counts())
    .filter(([label]) => label.startsWith('GET /v2/'))
    .reduce((n, [, byStatus]) => n + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
}
