import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';

// Zoom's webhook signature (ZOOM.md section 1): x-zm-signature = 'v0=' + hex HMAC-SHA256(secret
// token, `v0:{x-zm-request-timestamp}:{raw body}`), the timestamp in Unix seconds.

/** Zoom states no allowed skew; five minutes is the usual bound (Slack, Stripe). */
const WEBHOOK_MAX_SKEW_MS = 5 * 60_000;
/** Covers the whole skew window on both sides, so a captured request cannot be sent again while fresh. */
const REPLAY_WINDOW_MS = 10 * 60_000;

export type WebhookRejection = 'missing-signature' | 'stale-timestamp' | 'bad-signature' | 'replayed';

const SIGNATURE_FORMAT = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP_FORMAT = /^\d{1,12}$/;

export function hmacHex(secret: string, ...parts: (string | Buffer)[]): string {
  const hmac = createHmac('sha256', secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' ? value : null;
}

export class WebhookVerifier {
  /** Signatures accepted within the replay window, oldest first. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly secretToken: string,
    private readonly clock: Clock,
  ) {}

  /** Accepts a request at most once: a valid signature is remembered for the replay window. */
  verify(headers: IncomingHttpHeaders, rawBody: Buffer): Result<void, WebhookRejection> {
    const signature = header(headers, 'x-zm-signature');
    const timestamp = header(headers, 'x-zm-request-timestamp');
    if (!signature || !timestamp) return err('missing-signature');
    const now = this.clock.now();
    if (!TIMESTAMP_FORMAT.test(timestamp) || Math.abs(now - Number(timestamp) * 1000) > WEBHOOK_MAX_SKEW_MS) return err('stale-timestamp');
    if (!SIGNATURE_FORMAT.test(signature)) return err('bad-signature');
    const expected = `v0=${hmacHex(this.secretToken, `v0:${timestamp}:`, rawBody)}`;
    if (!timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return err('bad-signature');
    this.forgetBefore(now - REPLAY_WINDOW_MS);
    if (this.seen.has(signature)) return err('replayed');
    this.seen.set(signature, now);
    return ok(undefined);
  }

  /** The answer to Zoom's endpoint.url_validation challenge. */
  encryptToken(plainToken: string): string {
    return hmacHex(this.secretToken, plainToken);
  }

  private forgetBefore(limit: number): void {
    for (const [signature, at] of this.seen) {
      if (at >= limit) break;
      this.seen.delete(signature);
    }
  }
}
