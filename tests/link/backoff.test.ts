import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffPolicy } from '../../src/link/index.js';

describe('backoffDelay', () => {
  it('doubles its cap from the base up to the maximum and draws from the upper half of it', () => {
    const policy = backoffPolicy({ baseMs: 1_000, maxMs: 10_000 });
    expect([0, 1, 2, 3, 4, 30].map((n) => backoffDelay(n, policy, () => 0))).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
    expect([0, 1, 2, 3, 4, 30].map((n) => backoffDelay(n, policy, () => 0.999_999))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
  });

  it('defaults to 1 s growing to 5 minutes', () => {
    expect(backoffDelay(0, backoffPolicy(), () => 1)).toBe(1_000);
    expect(backoffDelay(1_000, backoffPolicy(), () => 1)).toBe(300_000);
  });
});
