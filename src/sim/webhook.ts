// Zoom's signed webhooks (ZOOM.md section 1): x-zm-request-timestamp (Unix seconds) and
// x-zm-signature = 'v0=' + hex HMAC-SHA256(secret token, `v0:{timestamp}:{raw body}`).

import { createHmac, randomBytes } from 'node:crypto';

export function signZoomWebhook(secretToken: string, timestampSeconds: number, rawBody: string | Uint8Array): string {
  const hmac = createHmac('sha256', secretToken);
  hmac.update(`v0:${timestampSeconds}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

export interface DeauthorizationEvent {
  accountId: string;
  userId: string;
  clientId: string;
  /** The simulator's now, in ms. */
  at: number;
}

export function deauthorizationBody(e: DeauthorizationEvent): string {
  return JSON.stringify({
    event: 'app_deauthorized',
    event_ts: e.at,
    payload: {
      account_id: e.accountId,
      user_id: e.userId,
      // Identifies this deauthorization; Zoom does not ask anyone to verify it.
      signature: randomBytes(32).toString('hex'),
      deauthorization_time: new Date(e.at).toISOString(),
      client_id: e.clientId,
      user_data_retention: 'false',
    },
  });
}

/** Zoom expects an answer within 3 s. */
const DELIVERY_TIMEOUT_MS = 3_000;

export interface Delivery {
  delivered: boolean;
  status: number | null;
}

/**
 * One delivery attempt. Zoom retries failed deliveries after 5, 20 and 60 minutes; the simulator
 * does not (a test that needs another attempt asks for the event again). `signal` aborts it when
 * the simulator closes.
 */
export async function postWebhook(url: string, secretToken: string, rawBody: string, at: number, signal: AbortSignal): Promise<Delivery> {
  const timestamp = Math.floor(at / 1000);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-zm-request-timestamp': String(timestamp),
        'x-zm-signature': signZoomWebhook(secretToken, timestamp, rawBody),
      },
      body: rawBody,
      signal: AbortSignal.any([signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
    });
    await response.arrayBuffer();
    return { delivered: response.status === 200 || response.status === 204, status: response.status };
  } catch {
    return { delivered: false, status: null };
  }
}

/**
 * Posts signed events (app_deauthorized, meeting.ended, …) to the app's event notification
 * endpoint, if one is configured; close() aborts deliveries in flight.
 */
export class WebhookPoster {
  private readonly closing = new AbortController();
  private readonly inFlight = new Set<Promise<Delivery>>();

  constructor(private readonly target: { url: string; secretToken: string } | undefined) {}

  post(rawBody: string, at: number): Promise<Delivery> {
    if (!this.target || this.closing.signal.aborted) return Promise.resolve({ delivered: false, status: null });
    const delivery = postWebhook(this.target.url, this.target.secretToken, rawBody, at, this.closing.signal);
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
    return delivery;
  }

  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all(this.inFlight);
  }
}
