import { z } from 'zod';
import { err, ok, type Result } from '../core/result.js';
import type { ZoomUser } from './ledger.js';

/** Zoom answers well inside this; a hung call must not hold an enrollment open. */
const ZOOM_TIMEOUT_MS = 10_000;

export type ZoomIdentityError = 'unauthorized' | 'unavailable';

// Only the ids are read; the rest of /users/me (names, email) is never kept or logged.
const me = z.looseObject({ id: z.string().min(1).max(200), account_id: z.string().min(1).max(200) });

/**
 * Asks Zoom whose grant the access token belongs to (DESIGN.md "Relay protocol"): a 200 proves
 * the caller holds a live grant for that user. The token is used for this call only.
 */
export async function zoomUserOf(apiUrl: string, accessToken: string): Promise<Result<ZoomUser, ZoomIdentityError>> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl.replace(/\/+$/, '')}/v2/users/me`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(ZOOM_TIMEOUT_MS),
    });
  } catch {
    return err('unavailable');
  }
  const text = await response.text().catch(() => '');
  if (response.status === 401) return err('unauthorized');
  if (response.status !== 200) return err('unavailable');
  let parsed: ReturnType<typeof me.safeParse>;
  try {
    parsed = me.safeParse(JSON.parse(text));
  } catch {
    return err('unavailable');
  }
  return parsed.success ? ok({ zoomAccountId: parsed.data.account_id, zoomUserId: parsed.data.id }) : err('unavailable');
}
