// The daemon's link to the relay (DESIGN.md "Relay protocol"): enrollment over HTTP, then one
// websocket that brings signed leases and wipe commands and takes receipts back.

export { enrollDevice, type EnrollOptions } from './enroll.js';
export { startLink } from './link.js';
export { backoffDelay, backoffPolicy, DEFAULT_BACKOFF_BASE_MS, DEFAULT_BACKOFF_MAX_MS, type BackoffPolicy } from './backoff.js';
export type { LinkError, LinkErrorKind, LinkOptions, LinkState, RelayLink } from './types.js';
