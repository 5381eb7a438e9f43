import type { Clock } from '../core/clock.js';
import type { Plan } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { Vault } from '../store/index.js';
import { TokenManager, createZoomClient, limiterFor, type TokenSet, type TokenStore, type ZoomApiOptions, type ZoomClient } from '../zoom/index.js';
import type { HistorySource, ListQuery } from './source.js';

/** The Zoom client's token persistence, over the account's vault: both tokens in one transaction. */
export function vaultTokenStore(vault: Vault, clock: Clock): TokenStore {
  return {
    load: (): TokenSet | null => {
      const stored = vault.getTokens();
      return stored ? { accessToken: stored.accessToken, refreshToken: stored.refreshToken, expiresAt: stored.expiresAt, scope: stored.scope, apiUrl: stored.apiUrl || null } : null;
    },
    save: (tokens: TokenSet): void => {
      vault.saveTokens({ ...tokens, apiUrl: tokens.apiUrl ?? '', updatedAt: clock.now() });
    },
  };
}

export interface ZoomAccountOptions {
  vault: Vault;
  zoomAccountId: string;
  plan: Plan;
  oauthUrl: string;
  apiUrl: string;
  clientId: string;
  clock: Clock;
  log: Logger;
  /** Proof that the grant is alive (a refresh or an API call succeeded): the lease layer records it. */
  onGrantAlive?: (at: number) => void;
  /** Test seams: shorter timeouts and retries. */
  api?: Pick<ZoomApiOptions, 'timeoutMs' | 'retry' | 'random'>;
}

export interface ZoomAccount {
  tokens: TokenManager;
  client: ZoomClient;
  source: HistorySource;
}

/** Everything that talks to Zoom for one local account, sharing its Zoom account's rate limiter. */
export function zoomAccount(o: ZoomAccountOptions): ZoomAccount {
  const tokens = new TokenManager({
    store: vaultTokenStore(o.vault, o.clock),
    oauth: { oauthUrl: o.oauthUrl, clientId: o.clientId },
    clock: o.clock,
    log: o.log,
    onGrantAlive: o.onGrantAlive,
  });
  const client = createZoomClient({ tokens, limiter: limiterFor(o.zoomAccountId, o.plan, o.clock), clock: o.clock, log: o.log, apiUrl: o.apiUrl, ...o.api });
  return { tokens, client, source: zoomHistorySource(client) };
}

/** The history a user-managed grant can read, from the Zoom client (no report API: ZOOM.md section 7). */
export function zoomHistorySource(client: ZoomClient): HistorySource {
  const window = (q: ListQuery) => ({ from: q.from, to: q.to, pageToken: q.pageToken, signal: q.signal });
  return {
    getMe: (signal) => client.getMe(signal),
    listPreviousMeetings: (q) => client.listPreviousMeetings({ pageToken: q.pageToken, signal: q.signal }),
    listInstances: (meetingId, signal) => client.listInstances(meetingId, signal),
    getPastMeeting: (uuid, signal) => client.getPastMeeting(uuid, signal),
    listParticipants: (uuid, q) => client.listParticipants(uuid, { pageToken: q.pageToken, signal: q.signal }),
    listRecordings: (q) => client.listRecordings(window(q)),
    listCalls: (q) => client.listCallHistory(window(q)),
  };
}
