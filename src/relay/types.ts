import type { Clock } from '../core/clock.js';
import type { Logger } from '../platform/logger.js';

/** Deletes the vendor's own (cloud) copy of a Zoom user's data after a deauthorization. */
export interface CloudCopy {
  /**
   * Deletes what the vendor holds of the user from before `deauthorizedAt` (Zoom's time of the
   * deauthorization): a deauthorization delivered after the user installed again must not delete
   * what the new grant brought.
   */
  delete(zoomAccountId: string, zoomUserId: string, deauthorizedAt: number): Promise<void>;
}

export interface RelayOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Holds, unless `ledger` and `keyFile` say otherwise, the SQLite ledger (relay.db) and the key file. */
  dataDir: string;
  /** The Zoom app's Secret Token: signs webhooks and URL validation answers. */
  webhookSecretToken: string;
  /** Bearer token of the compliance ledger and the admin routes. */
  adminToken: string;
  /** Default <dataDir>/relay-key.pem. */
  keyFile?: string;
  /** The REST API base without /v2, e.g. https://api.zoom.us (the simulator's url in tests). */
  zoomApiUrl: string;
  /** How long a lease holds a device's data; default 7, at most 9 (Zoom's 10 days minus a renewal gap). */
  leaseDays?: number;
  /** Decides lease validity, renewals, webhook freshness, ledger times and content sweeps; default the system clock. */
  clock?: Clock;
  log?: Logger;
  /** Real-time ping interval; a device that misses a pong for one interval is cut off. Default 30 000. */
  heartbeatMs?: number;
  /** Default: the relay keeps no cloud copy, so there is nothing to delete. */
  cloudCopy?: CloudCopy;
  /**
   * "sqlite:<path>" (one relay) or "postgres://user:password@host:port/database" (any number of
   * instances sharing it). Default: sqlite:<dataDir>/relay.db.
   */
  ledger?: string;
  /** When set, GET /metrics asks for it as a bearer token; otherwise /metrics is open. */
  metricsToken?: string;
}

export interface Relay {
  /** http://host:port */
  url: string;
  /** The relay's Ed25519 public key, base64 SPKI DER: the key devices pin. */
  publicKey: string;
  /** Closes sockets, timers and the ledger; idempotent. */
  close(): Promise<void>;
}

export type RelayStartErrorCode = 'BAD_OPTIONS' | 'KEY' | 'LEDGER' | 'LISTEN';

export interface RelayStartError {
  code: RelayStartErrorCode;
  message: string;
}
