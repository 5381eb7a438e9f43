// Zoom's published rate limits (ZOOM.md section 5), per plan and category: the client sizes its
// buckets from these, a little below them (see rateLimiter.ts).

import type { Plan } from '../platform/config.js';
import type { ZoomCategory } from './endpoints.js';

/** The account's plan as the config names it ('business' stands for Business and up). */
export type ZoomPlan = Plan;

export interface CategoryLimit {
  /** Requests per `periodMs`. */
  limit: number;
  periodMs: number;
  /**
   * The daily counter the category draws from: categories naming the same counter share it (Heavy
   * and Resource-intensive on paid plans). Null: no daily cap.
   */
  daily: { counter: string; limit: number } | null;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

const per = (limit: number, periodMs: number, daily: CategoryLimit['daily'] = null): CategoryLimit => ({ limit, periodMs, daily });

// Zoom publishes Phone limits for Pro and Business+ only; Zoom Phone on a Free account is not a
// real combination, so it gets the Pro row.
const PHONE_PRO = { 'phone-light': per(20, SECOND), 'phone-medium': per(10, SECOND) };

export const PLAN_LIMITS: Record<ZoomPlan, Record<ZoomCategory, CategoryLimit>> = {
  free: {
    light: per(4, SECOND, { counter: 'light', limit: 6_000 }),
    medium: per(2, SECOND, { counter: 'medium', limit: 2_000 }),
    heavy: per(1, SECOND, { counter: 'heavy', limit: 1_000 }),
    'resource-intensive': per(10, MINUTE, { counter: 'resource-intensive', limit: 30_000 }),
    ...PHONE_PRO,
  },
  pro: {
    light: per(30, SECOND),
    medium: per(20, SECOND),
    heavy: per(10, SECOND, { counter: 'heavy+resource-intensive', limit: 30_000 }),
    'resource-intensive': per(10, MINUTE, { counter: 'heavy+resource-intensive', limit: 30_000 }),
    ...PHONE_PRO,
  },
  business: {
    light: per(80, SECOND),
    medium: per(60, SECOND),
    heavy: per(40, SECOND, { counter: 'heavy+resource-intensive', limit: 60_000 }),
    'resource-intensive': per(20, MINUTE, { counter: 'heavy+resource-intensive', limit: 60_000 }),
    'phone-light': per(40, SECOND),
    'phone-medium': per(20, SECOND),
  },
};
