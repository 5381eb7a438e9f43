// Requests per endpoint label and status, for tests and benchmarks ("how many calls did a sync
// make, how many got 429").

import type { RequestCounts } from './types.js';

export class RequestCounter {
  private counts: RequestCounts = {};

  add(label: string, status: number | 'timeout'): void {
    const byStatus = (this.counts[label] ??= {});
    const key = String(status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
  }

  snapshot(): RequestCounts {
    return Object.fromEntries(Object.entries(this.counts).map(([label, byStatus]) => [label, { ...byStatus }]));
  }

  reset(): void {
    this.counts = {};
  }
}
