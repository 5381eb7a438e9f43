// What the sync remembers about an account at Zoom, in its vault's meta table: the personal meeting
// ID, when /users/me was last asked, and whether the user has Zoom Phone.

import type { Vault } from '../store/index.js';

type Meta = Pick<Vault, 'getMeta' | 'setMeta'>;

export const PMI_KEY = 'zoom.pmi';
export const ME_CHECKED_KEY = 'zoom.meCheckedAt';
/** '' (or absent) while calls are available; otherwise when Zoom last said Zoom Phone is not set up. */
const CALLS_UNAVAILABLE_KEY = 'calls.unavailableCheckedAt';

/** A user without Zoom Phone may get it: Zoom is asked again after this long. */
export const CALLS_RECHECK_MS = 7 * 24 * 60 * 60 * 1000;

export type CallsAvailability = { available: true } | { available: false; checkedAt: number };

export function callsAvailability(vault: Meta): CallsAvailability {
  const value = vault.getMeta(CALLS_UNAVAILABLE_KEY);
  return value ? { available: false, checkedAt: Number(value) } : { available: true };
}

export function markCallsUnavailable(vault: Meta, at: number): void {
  vault.setMeta(CALLS_UNAVAILABLE_KEY, String(at));
}

export function markCallsAvailable(vault: Meta): void {
  if (vault.getMeta(CALLS_UNAVAILABLE_KEY)) vault.setMeta(CALLS_UNAVAILABLE_KEY, '');
}
