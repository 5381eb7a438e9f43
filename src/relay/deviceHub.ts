import type { WebSocket } from 'ws';
import { systemClock, type TimerHandle } from '../core/clock.js';
import type { Signed, WipeCommandBody } from '../core/wire.js';
import type { DeviceRecord, HeldNotice } from './ledger.js';
import { DeviceSession, type SessionDeps } from './deviceSession.js';

/** A device that has not answered the previous ping within this long is gone. */
export const DEFAULT_HEARTBEAT_MS = 30_000;

/**
 * The connected devices, one session each, and the heartbeat that finds dead links. The heartbeat
 * runs on real time: it measures network round trips, which a fake clock cannot stand in for.
 */
export class DeviceHub {
  private readonly sessions = new Map<string, DeviceSession>();
  private heartbeat: TimerHandle | null = null;
  private closed = false;

  constructor(
    private readonly deps: SessionDeps,
    private readonly heartbeatMs = DEFAULT_HEARTBEAT_MS,
  ) {
    this.scheduleHeartbeat();
  }

  attach(ws: WebSocket, device: DeviceRecord): void {
    if (this.closed) {
      ws.close(1001, 'relay shutting down');
      return;
    }
    const session = new DeviceSession(ws, device, this.deps);
    // One link per device: a reconnecting daemon replaces a half-open old socket.
    this.sessions.get(device.deviceId)?.close(4000, 'replaced by a newer connection');
    this.sessions.set(device.deviceId, session);
    ws.on('close', () => {
      if (this.sessions.get(device.deviceId) === session) this.sessions.delete(device.deviceId);
    });
    ws.on('error', (e) => this.deps.log.warn({ device: device.deviceId, err: e.message }, 'device socket error'));
    this.deps.log.info({ device: device.deviceId }, 'device connected');
  }

  push(commands: Signed<WipeCommandBody>[]): void {
    for (const command of commands) this.sessions.get(command.body.deviceId)?.push(command);
  }

  /** Connected devices (greeted or not). */
  get size(): number {
    return this.sessions.size;
  }

  /** Another relay instance recorded work for these devices: those connected here catch up. */
  wake(deviceIds: string[]): void {
    for (const deviceId of deviceIds) this.sessions.get(deviceId)?.catchUp();
  }

  /** Wakes may have been lost: every connected device catches up. */
  rescan(): void {
    for (const session of this.sessions.values()) session.catchUp();
  }

  /** Sends notices to those of their devices that are connected; the others get them at their next hello. */
  zoomEvents(held: HeldNotice[]): void {
    for (const { deviceId, notice } of held) this.sessions.get(deviceId)?.zoomEvent(notice);
  }

  /** Closes every link and waits for messages being handled, so the ledger can close after. */
  async close(): Promise<void> {
    this.closed = true;
    this.heartbeat?.cancel();
    await Promise.all([...this.sessions.values()].map((s) => s.shutdown()));
  }

  private scheduleHeartbeat(): void {
    this.heartbeat = systemClock.setTimeout(() => {
      for (const session of this.sessions.values()) {
        if (session.alive) {
          session.ping();
        } else {
          this.deps.log.info({ device: session.device.deviceId }, 'device missed a pong; terminating');
          session.terminate();
        }
      }
      if (!this.closed) this.scheduleHeartbeat();
    }, this.heartbeatMs);
  }
}
