import type { ZoomEventNotice } from '../core/wire.js';
import type { Logger } from '../platform/logger.js';
import type { AccountHost } from './accounts.js';
import { runFailure, type SyncService } from './syncService.js';

// What the daemon does with a Zoom event the relay kept for this device (contract: issue 12,
// ZOOM_EVENTS_CONTRACT.md). This first version syncs the accounts, as a sync hint did; the notice
// is handled once that run finished without failure, and until then the relay keeps it.

export interface ZoomEventDeps {
  host: AccountHost;
  syncs: SyncService;
  log: Logger;
}

/** Resolves true once the accounts of the event's user hold what it announced. */
export async function handleZoomEvent(deps: ZoomEventDeps, accountKeys: string[], notice: ZoomEventNotice): Promise<boolean> {
  const runs = accountKeys.map((key) => {
    const account = deps.host.get(key);
    return account ? deps.syncs.runSoon(account) : null;
  });
  if (runs.includes(null)) {
    deps.log.info({ notice: notice.noticeId, event: notice.event }, 'Zoom event waits: an account cannot sync now');
    return false;
  }
  const reports = await Promise.all(runs);
  return reports.every((report) => report !== null && runFailure(report) === null);
}
