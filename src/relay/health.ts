import { reply } from './httpIo.js';
import type { Ledger } from './ledger.js';
import type { RouteOutcome } from './router.js';

// For load balancers and orchestrators: /healthz says the process answers (restart it if not);
// /readyz says it can do its work (send it traffic only if so): the ledger answers and, with
// several instances, this one hears the others' wakes.

export async function liveness(): Promise<RouteOutcome> {
  return reply(200, { status: 'ok' });
}

export async function readiness(ledger: Ledger, closing: () => boolean): Promise<RouteOutcome> {
  if (closing()) return reply(503, { ready: false, ledger: 'closing', wakes: 'closing' });
  const health = await ledger.health();
  const ready = health.reachable && health.listening !== false;
  return reply(ready ? 200 : 503, {
    ready,
    ledger: health.reachable ? 'up' : 'unreachable',
    wakes: health.listening === null ? 'single instance' : health.listening ? 'listening' : 'reconnecting',
  });
}
