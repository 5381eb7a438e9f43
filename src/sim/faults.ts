// Injected failures of API requests (not /oauth, not /__admin). They stand for trouble in front of
// the API (a gateway, the network), so a faulted request is decided before authentication: it
// neither consumes the rate limit nor counts toward revokeAfterRequests.

import { z } from 'zod';
import { createRng, type Rng } from './random.js';
import { QPS_MESSAGE } from './rateLimits.js';
import { zoomError, type Reply } from './reply.js';
import type { FaultKind, FaultPlan } from './types.js';

export const FAULT_KINDS = ['5xx', 'timeout', 'malformed', '429-headerless'] as const satisfies readonly FaultKind[];

const kind = z.enum(FAULT_KINDS);

export const faultPlanSchema = z.strictObject({
  rate: z.number().min(0).max(1).optional(),
  kinds: z.array(kind).min(1).optional(),
  seed: z.number().int().optional(),
  next: z.array(z.strictObject({ kind, count: z.number().int().min(0), endpoint: z.string().min(1).optional() })).optional(),
  revokeAfterRequests: z.strictObject({ userId: z.string().min(1), requests: z.number().int().min(0) }).optional(),
  emptyParticipants: z.boolean().optional(),
});

/** What a faulted request gets: a reply, or (timeout) a socket held and then destroyed. */
export type Fault = { kind: 'timeout' } | { kind: Exclude<FaultKind, 'timeout'>; reply: Reply };

/** The start of a page, cut off mid-string: JSON.parse fails on it. No content. */
const TRUNCATED_BODY = '{"page_size":30,"total_records":2,"next_page_token":"","meetings":[{"uuid":"';

export class Faults {
  private rate = 0;
  private kinds: readonly FaultKind[] = FAULT_KINDS;
  private rng: Rng = createRng('faults/0');
  private queue: { kind: FaultKind; remaining: number; endpoint: string | undefined }[] = [];
  private revokeAfter: { userId: string; remaining: number } | null = null;
  private empty = false;

  /** Replaces the plan. Throws on an invalid plan (a caller's bug; HTTP callers get a 400 first). */
  set(plan: FaultPlan): void {
    const parsed = faultPlanSchema.parse(plan);
    this.rate = parsed.rate ?? 0;
    this.kinds = parsed.kinds ?? FAULT_KINDS;
    this.rng = createRng(`faults/${parsed.seed ?? 0}`);
    this.queue = (parsed.next ?? []).map((n) => ({ kind: n.kind, remaining: n.count, endpoint: n.endpoint }));
    this.revokeAfter = parsed.revokeAfterRequests ? { userId: parsed.revokeAfterRequests.userId, remaining: parsed.revokeAfterRequests.requests } : null;
    this.empty = parsed.emptyParticipants ?? false;
  }

  get emptyParticipants(): boolean {
    return this.empty;
  }

  /** The user whose grant is to be revoked at once (a plan with requests: 0), if any. */
  revokeNow(): string | null {
    if (this.revokeAfter?.remaining !== 0) return null;
    const { userId } = this.revokeAfter;
    this.revokeAfter = null;
    return userId;
  }

  /** Decides whether this API request fails, and how. `label` is 'GET /v2/...' with its path template. */
  decide(label: string): Fault | null {
    const queued = this.queue.find((q) => q.remaining > 0 && (!q.endpoint || q.endpoint === label || label.endsWith(` ${q.endpoint}`)));
    if (queued) {
      queued.remaining -= 1;
      return this.fault(queued.kind);
    }
    if (this.rate > 0 && this.rng.next() < this.rate) return this.fault(this.rng.pick(this.kinds));
    return null;
  }

  /** Counts an authenticated API request of `userId`; true when its grant must now be revoked. */
  countRequest(userId: string): boolean {
    if (this.revokeAfter?.userId !== userId) return false;
    this.revokeAfter.remaining -= 1;
    if (this.revokeAfter.remaining > 0) return false;
    this.revokeAfter = null;
    return true;
  }

  private fault(kind: FaultKind): Fault {
    switch (kind) {
      case 'timeout':
        return { kind };
      case '5xx':
        return this.rng.chance(0.5)
          ? { kind, reply: zoomError(500, 500, 'Internal server error.') }
          : { kind, reply: zoomError(503, 503, 'Service temporarily unavailable.') };
      case 'malformed':
        return { kind, reply: { status: 200, rawJson: TRUNCATED_BODY } };
      case '429-headerless':
        return { kind, reply: zoomError(429, 429, QPS_MESSAGE) };
    }
  }
}
