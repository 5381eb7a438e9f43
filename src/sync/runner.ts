/**
 * Runs one job at a time and coalesces requests (Syncthing's folder loop): asking while a run is
 * going queues exactly one more run, and everyone who asked meanwhile gets that run's result.
 * This is what keeps two syncs of one account from ever overlapping.
 */
export class CoalescingRunner<T> {
  private current: { promise: Promise<T>; controller: AbortController } | null = null;
  private queued: { promise: Promise<T>; resolve: (value: T) => void } | null = null;
  private closed = false;

  /** `cancelled` is what a queued run that never started resolves to (never a rejection). */
  constructor(
    private readonly job: (signal: AbortSignal) => Promise<T>,
    private readonly cancelled: () => T,
  ) {}

  get running(): boolean {
    return this.current !== null;
  }

  /** Starts a run now, or queues one after the current run; `null` once cancelled for good. */
  request(): Promise<T> | null {
    if (this.closed) return null;
    if (!this.current) return this.start();
    if (!this.queued) {
      let resolve!: (value: T) => void;
      const promise = new Promise<T>((res) => {
        resolve = res;
      });
      this.queued = { promise, resolve };
    }
    return this.queued.promise;
  }

  /**
   * Aborts the current run, drops the queued one, and waits until the current run has returned.
   * With `forever`, later requests are refused (the account is being wiped or the daemon stops).
   */
  async cancel(options: { forever?: boolean } = {}): Promise<void> {
    if (options.forever) this.closed = true;
    const queued = this.queued;
    this.queued = null;
    const current = this.current;
    current?.controller.abort(new Error('sync cancelled'));
    if (current) await current.promise.catch(() => undefined);
    queued?.resolve(this.cancelled());
  }

  private start(): Promise<T> {
    const controller = new AbortController();
    const promise = this.job(controller.signal).finally(() => {
      this.current = null;
      this.startQueued();
    });
    this.current = { promise, controller };
    return promise;
  }

  private startQueued(): void {
    const queued = this.queued;
    if (!queued) return;
    this.queued = null;
    if (this.closed) {
      queued.resolve(this.cancelled());
      return;
    }
    this.start().then(queued.resolve, () => queued.resolve(this.cancelled()));
  }
}
