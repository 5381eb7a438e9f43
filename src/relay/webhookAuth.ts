import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import { parseJson } from './httpIo.js';

// Zoom's webhook signature (ZOOM.md section 1; zoom/webhook-sample index.js, @zoom/rivet's
// isEventVerified): x-zm-signature = 'v0=' + hex HMAC-SHA256(secret token,
// `v0:{x-zm-request-timestamp}:{body}`), the timestamp in Unix seconds.

/**
 * Zoom retries 5, 20 and 60 minutes after the previous try, so its last retry comes 85 minutes
 * after the first; whether a retry carries a fresh timestamp is not documented. A delivery up to
 * 90 minutes old is accepted: a replay within that window changes nothing, because events are
 * deduplicated by what they say, not by their signature.
 */
export const WEBHOOK_MAX_AGE_MS = 90 * 60_000;
/** Clocks differ: a timestamp this far ahead of ours is accepted too. */
const WEBHOOK_MAX_AHEAD_MS = 5 * 60_000;

export type WebhookRejection = 'missing-signature' | 'stale-timestamp' | 'bad-signature';

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
  constructor(
    private readonly secretToken: string,
    private readonly clock: Clock,
  ) {}

  /** A delivery signed with the secret token, with a timestamp inside the accepted window. */
  verify(headers: IncomingHttpHeaders, rawBody: Buffer): Result<void, WebhookRejection> {
    const signature = header(headers, 'x-zm-signature');
    const timestamp = header(headers, 'x-zm-request-timestamp');
    if (!signature || !timestamp) return err('missing-signature');
    const age = this.clock.now() - Number(timestamp) * 1000;
    if (!TIMESTAMP_FORMAT.test(timestamp) || age > WEBHOOK_MAX_AGE_MS || age < -WEBHOOK_MAX_AHEAD_MS) return err('stale-timestamp');
    if (!SIGNATURE_FORMAT.test(signature)) return err('bad-signature');
    if (this.signs(signature, timestamp, rawBody)) return ok(undefined);
    // Zoom's own samples hash JSON.stringify of the parsed body rather than the bytes received;
    // should Zoom ever sign that form of a body sent with other spacing or escapes, it still verifies.
    const parsed = parseJson(rawBody);
    if (parsed && this.signs(signature, timestamp, JSON.stringify(parsed.value))) return ok(undefined);
    return err('bad-signature');
  }

  /** The answer to Zoom's endpoint.url_validation challenge. */
  encryptToken(plainToken: string): string {
    return hmacHex(this.secretToken, plainToken);
  }

  private signs(signature: string, timestamp: string, body: string | Buffer): boolean {
    const expected = `v0=${hmacHex(this.secretToken, `v0:${timestamp}:`, body)}`;
    return timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
  }
}
