// Everything one simulator holds: users and their history, OAuth grants, page tokens, rate-limit
// buckets, faults, counts, and its notion of now. The HTTP layer and the admin API both act on it.

import type { Clock } from '../core/clock.js';
import { RequestCounter } from './counts.js';
import { HistoryGenerator } from './dataset.js';
import { createDirectory, seedText, DEFAULT_ACCOUNTS, type UserProfile } from './directory.js';
import { Faults } from './faults.js';
import { Grants, scopesFor } from './grants.js';
import { PageTokens } from './paging.js';
import { AccountLimits } from './rateLimits.js';
import type { SimAccountSpec, SimAppType } from './types.js';
import type { UserData } from './userData.js';
import { WebhookPoster, deauthorizationBody, type Delivery } from './webhook.js';
import type { ZoomEventJson } from './zoomJson.js';

export interface UserEntry {
  profile: UserProfile;
  data: UserData;
  generator: HistoryGenerator;
  deleted: boolean;
}

export interface StateOptions {
  seed: string | number | undefined;
  accounts: SimAccountSpec[] | undefined;
  clock: Clock;
  /** False when the caller passed its own clock: then only that clock moves time. */
  ownsClock: boolean;
  clientId: string;
  appType: SimAppType;
  webhook: { url: string; secretToken: string } | undefined;
}

export class SimState {
  readonly clientId: string;
  readonly appType: SimAppType;
  readonly entries: UserEntry[];
  readonly grants: Grants;
  readonly paging: PageTokens;
  readonly faults = new Faults();
  readonly counts = new RequestCounter();
  readonly webhooks: WebhookPoster;
  rateLimitHeaders: 'full' | 'none' = 'full';
  private readonly byId = new Map<string, UserEntry>();
  private readonly limits = new Map<string, AccountLimits>();
  private offset = 0;

  constructor(private readonly o: StateOptions) {
    this.clientId = o.clientId;
    this.appType = o.appType;
    const t0 = o.clock.now();
    this.entries = createDirectory(seedText(o.seed), o.accounts ?? DEFAULT_ACCOUNTS).map((profile) => {
      const generator = new HistoryGenerator(profile);
      return { profile, data: generator.generate(t0), generator, deleted: false };
    });
    for (const entry of this.entries) this.byId.set(entry.profile.user.userId, entry);
    for (const entry of this.entries) {
      const { accountId, plan } = entry.profile.user;
      if (!this.limits.has(accountId)) this.limits.set(accountId, new AccountLimits(plan));
    }
    const now = (): number => this.now();
    this.grants = new Grants({
      now,
      scopesOf: () => scopesFor(o.appType),
      isDeleted: (userId) => this.byId.get(userId)?.deleted ?? true,
    });
    this.paging = new PageTokens(now);
    this.webhooks = new WebhookPoster(o.webhook);
  }

  now(): number {
    return this.o.clock.now() + this.offset;
  }

  advanceClock(ms: number): void {
    if (!this.o.ownsClock) throw new Error('advanceClock: the simulator was given a clock; advance that clock instead');
    if (!Number.isFinite(ms) || ms < 0) throw new Error('advanceClock: ms must be a non-negative number');
    this.offset += ms;
  }

  /** The user, or undefined. */
  find(userId: string): UserEntry | undefined {
    return this.byId.get(userId);
  }

  /** The user; an unknown id is the caller's bug. */
  require(userId: string): UserEntry {
    const entry = this.byId.get(userId);
    if (!entry) throw new Error(`unknown simulator user: ${userId}`);
    return entry;
  }

  /** The user `ref` (id or email, case-insensitive) names, or the first user when ref is null. */
  lookup(ref: string | null): UserEntry | undefined {
    if (ref === null) return this.entries[0];
    return this.byId.get(ref) ?? this.entries.find((e) => e.profile.user.email.toLowerCase() === ref.toLowerCase());
  }

  limitsOf(accountId: string): AccountLimits {
    const limits = this.limits.get(accountId);
    if (!limits) throw new Error('no rate limits for an account the simulator does not hold');
    return limits;
  }

  /** Ends every grant of the user, then tells the webhook endpoint (when one is configured). */
  deauthorize(userId: string): Promise<Delivery> {
    this.require(userId);
    this.grants.revokeUser(userId);
    return this.notifyDeauthorized(userId);
  }

  /** POSTs app_deauthorized for the user, as Zoom does after a grant ends by Revoke or removal. */
  notifyDeauthorized(userId: string): Promise<Delivery> {
    const { profile } = this.require(userId);
    const at = this.now();
    return this.webhooks.post(deauthorizationBody({ accountId: profile.user.accountId, userId, clientId: this.clientId, at }), at);
  }

  /** POSTs an event about a user's history (delivery is not awaited: Zoom does not wait either). */
  notify(event: ZoomEventJson): void {
    void this.webhooks.post(JSON.stringify(event), event.event_ts);
  }

  /** Whether the user may add this simulator's app: admins only when it is admin-managed. */
  mayAdd(userId: string): boolean {
    return this.appType === 'user-managed' || (this.find(userId)?.profile.user.admin ?? false);
  }
}
