import type { EventDataOf, Topic } from '../ipc/protocol.js';
import type { Changes } from './changes.js';

/**
 * Where the daemon's parts publish events. Until the IPC server is listening there is nobody to
 * tell, so events are dropped (the guard step runs before the socket exists).
 */
export class EventBus {
  private sink: (<T extends Topic>(topic: T, data: EventDataOf<T>) => void) | null = null;

  /** Every event tells of a change `status` may show (the link's state, a sync's progress, a wipe). */
  constructor(private readonly changes: Changes) {}

  attach(sink: <T extends Topic>(topic: T, data: EventDataOf<T>) => void): void {
    this.sink = sink;
  }

  detach(): void {
    this.sink = null;
  }

  emit<T extends Topic>(topic: T, data: EventDataOf<T>): void {
    this.changes.bump();
    this.sink?.(topic, data);
  }
}
