import type { EventDataOf, Topic } from '../ipc/protocol.js';

/**
 * Where the daemon's parts publish events. Until the IPC server is listening there is nobody to
 * tell, so events are dropped (the guard step runs before the socket exists).
 */
export class EventBus {
  private sink: (<T extends Topic>(topic: T, data: EventDataOf<T>) => void) | null = null;

  attach(sink: <T extends Topic>(topic: T, data: EventDataOf<T>) => void): void {
    this.sink = sink;
  }

  detach(): void {
    this.sink = null;
  }

  emit<T extends Topic>(topic: T, data: EventDataOf<T>): void {
    this.sink?.(topic, data);
  }
}
