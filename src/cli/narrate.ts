import type { WipeReason } from '../core/receipt.js';
import { counted } from '../core/words.js';
import type { EventDataOf, Topic } from '../ipc/protocol.js';
import { fromNow } from '../platform/timeWords.js';
import { dateTime } from './format.js';

// `callvault watch` for a person: each daemon event as a sentence, stamped with the local time
// of day. A sync reports progress many times per percent; a line is printed only when what it
// says changed, so the stream shows one line per real step.

const REASONS: Record<WipeReason, string> = {
  deauthorized: 'the app was removed at Zoom',
  admin: "the vendor's relay asked",
  'dead-grant': 'Zoom says the grant has ended',
  'lease-expired': 'its lease ran out',
  'user-purge': 'you purged it',
  disconnect: 'you disconnected it',
};

/** `14:05:09` in the viewer's time zone. */
export function timeOfDay(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** What an event says, and whom it is about: an account, the relay link, or a sign-in. */
function describe(topic: Topic, data: EventDataOf<Topic>, now: number): { about: string; text: string } {
  switch (topic) {
    case 'sync.progress': {
      const e = data as EventDataOf<'sync.progress'>;
      return { about: e.accountKey, text: `syncing ${Math.floor(e.progress * 100)}% (${e.resource})` };
    }
    case 'sync.done': {
      const e = data as EventDataOf<'sync.done'>;
      const added = `${counted(e.added.meetings, 'meeting')}, ${counted(e.added.recordings, 'recording')} and ${counted(e.added.calls, 'call')} new or updated`;
      return { about: e.accountKey, text: e.error ? `sync stopped: ${e.error} (${added})` : `synced: ${added}` };
    }
    case 'data.changed': {
      const e = data as EventDataOf<'data.changed'>;
      return { about: e.accountKey, text: `${e.count} ${e.resource} stored` };
    }
    case 'data.wiped': {
      const e = data as EventDataOf<'data.wiped'>;
      return { about: e.accountKey, text: `local data deleted because ${REASONS[e.reason]}; receipt ${e.receiptId}` };
    }
    case 'lease.warning': {
      const e = data as EventDataOf<'lease.warning'>;
      // The time left is the daemon's (its trusted clock); this machine's clock only places it.
      const deadline = now + e.timeLeftMs;
      return { about: e.accountKey, text: `the local data will be deleted ${fromNow(deadline, now)} (${dateTime(deadline)}) unless the relay or Zoom renews its lease` };
    }
    case 'link.state': {
      const e = data as EventDataOf<'link.state'>;
      return { about: 'relay', text: `relay link ${e.state}` };
    }
    case 'account.connected': {
      const e = data as EventDataOf<'account.connected'>;
      const text = e.outcome === 'connected' ? `Zoom sign-in done: account ${e.accountKey ?? '?'}` : `Zoom sign-in ${e.outcome}`;
      return { about: `login ${e.loginId}`, text };
    }
  }
}

/** Topics that restate a state: a line that says what the previous one said is dropped. */
const STATES: ReadonlySet<Topic> = new Set(['sync.progress', 'link.state']);

export class Narrator {
  /** The last state said of each account (or of the relay link). */
  private readonly last = new Map<string, string>();

  /** The line to print for an event, or null when it would repeat the state just printed. */
  line<T extends Topic>(topic: T, data: EventDataOf<T>, now: number): string | null {
    const { about, text } = describe(topic, data, now);
    const key = `${topic} ${about}`;
    if (STATES.has(topic)) {
      if (this.last.get(key) === text) return null;
      this.last.set(key, text);
    }
    // The next run's progress starts again from 0%, and its first line is news.
    if (topic === 'sync.done') this.last.delete(`sync.progress ${about}`);
    return about === 'relay' || about.startsWith('login ') ? `${timeOfDay(now)}  ${text}` : `${timeOfDay(now)}  ${about}  ${text}`;
  }
}
