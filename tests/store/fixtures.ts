import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallRecord, MeetingRecord, ParticipantRecord, RecordingRecord } from '../../src/core/records.js';
import type { Result } from '../../src/core/result.js';
import { openVault, type Vault } from '../../src/store/index.js';
import { TEST_KEY } from '../helpers/vaultKey.js';

export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;
export const T0 = Date.UTC(2026, 0, 1);

/** A temp folder and everything opened in it, closed and removed by `cleanup`. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'cv-'));
  private readonly closers: Array<() => void> = [];

  path(name: string): string {
    return join(this.dir, name);
  }

  vault(name = 'a_000000000000000000000001.db'): Vault {
    const vault = unwrap(openVault(this.path(join('vaults', name)), { create: true, key: TEST_KEY }));
    this.onCleanup(() => vault.close());
    return vault;
  }

  onCleanup(fn: () => void): void {
    this.closers.push(fn);
  }

  cleanup(): void {
    for (const close of this.closers.splice(0).reverse()) close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function unwrap<T, E>(result: Result<T, E>): T {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

export function meeting(n: number, over: Partial<MeetingRecord> = {}): MeetingRecord {
  return {
    uuid: `m${String(n).padStart(5, '0')}==`,
    meetingId: String(80_000_000_000 + n),
    hostId: 'host1',
    topic: `Weekly sync ${n}`,
    type: 8,
    startTime: T0 + n * 60 * 60 * 1000,
    durationMinutes: 30,
    timezone: 'Europe/Berlin',
    endTime: null,
    participantsCount: null,
    source: 'meetings',
    ...over,
  };
}

export function participant(meetingUuid: string, n: number, over: Partial<ParticipantRecord> = {}): ParticipantRecord {
  return {
    meetingUuid,
    key: `p${n}@${n}`,
    participantId: `p${n}`,
    userId: null,
    name: `Person ${n}`,
    email: `person${n}@example.com`,
    joinTime: T0 + n * 1000,
    leaveTime: T0 + n * 1000 + 60_000,
    durationSeconds: 60,
    ...over,
  };
}

export function recording(n: number, over: Partial<RecordingRecord> = {}): RecordingRecord {
  return {
    meetingUuid: `r${String(n).padStart(5, '0')}==`,
    meetingId: String(90_000_000_000 + n),
    topic: `Recorded talk ${n}`,
    startTime: T0 + n * 60 * 60 * 1000,
    durationMinutes: 45,
    totalSize: 1000,
    files: [
      { id: `f${n}a`, fileType: 'MP4', recordingType: 'shared_screen_with_speaker_view', recordingStart: T0, recordingEnd: T0 + 1000, fileSize: 900 },
      { id: `f${n}b`, fileType: 'M4A', recordingType: 'audio_only', recordingStart: T0, recordingEnd: T0 + 1000, fileSize: 100 },
    ],
    ...over,
  };
}

export function call(n: number, over: Partial<CallRecord> = {}): CallRecord {
  return {
    id: `c${String(n).padStart(5, '0')}`,
    callId: `call-${n}`,
    direction: 'inbound',
    callerName: `Caller ${n}`,
    callerNumber: `+1555010${n % 10}`,
    calleeName: 'Me',
    calleeNumber: '+15550199',
    startTime: T0 + n * 60 * 60 * 1000,
    answerTime: null,
    endTime: null,
    result: 'answered',
    talkTimeSeconds: 30,
    recordingId: null,
    ...over,
  };
}

export const WINDOW = { start: T0, end: T0 + 30 * DAY };

/** Stores meetings as the sync does once Zoom gave their details. */
export function saveMeetings(vault: Vault, items: MeetingRecord[], at = T0): void {
  for (const item of items) vault.saveMeetingDetails(item, at);
}
