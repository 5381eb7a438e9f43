import type { Clock } from '../core/clock.js';
import type { Logger } from '../platform/logger.js';
import type { Deauthorization, Ledger } from './ledger.js';
import type { CloudCopy } from './types.js';

/** The relay itself keeps no Zoom data: nothing to delete, so deletion is recorded at once. */
export const NO_CLOUD_COPY: CloudCopy = { delete: async () => {} };

/**
 * Runs the vendor's cloud-copy deletion after a deauthorization, outside the webhook's 3 s, and
 * records when it finished. One that failed, or was cut short by a shutdown, runs again at the
 * next start (the hook must tolerate repeats).
 */
export class CloudCopyDeleter {
  private stopped = false;

  constructor(
    private readonly hook: CloudCopy,
    private readonly ledger: Ledger,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(event: Deauthorization): void {
    void this.run(event);
  }

  async resumePending(): Promise<void> {
    for (const event of await this.ledger.cloudCopiesPending()) this.start(event);
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(event: Deauthorization): Promise<void> {
    try {
      await this.hook.delete(event.zoomAccountId, event.zoomUserId, event.deauthorizedAt);
    } catch (e) {
      this.log.error({ event: event.eventKey, err: (e as Error).message }, 'cloud copy deletion failed; retried at next start');
      return;
    }
    if (this.stopped) return;
    try {
      await this.ledger.cloudCopyDeleted(event.eventKey, this.clock.now());
    } catch (e) {
      // The ledger (PostgreSQL) may be down: the deletion stays pending and runs again at the next start.
      this.log.error({ event: event.eventKey, err: (e as Error).message }, 'cloud copy deleted but not recorded; retried at next start');
      return;
    }
    this.log.info({ event: event.eventKey }, 'cloud copy deleted');
  }
}
