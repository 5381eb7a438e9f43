import { describe, expect, it } from 'vitest';
import { Narrator, timeOfDay } from '../../src/cli/narrate.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);
const A = 'a_0123456789abcdef01234567';

describe('callvault watch, for a person', () => {
  it('stamps each line with the local time of day', () => {
    const d = new Date(NOW + 9_000);
    const pad = (n: number): string => String(n).padStart(2, '0');
    expect(timeOfDay(NOW + 9_000)).toBe(`${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`);
    expect(new Narrator().line('link.state', { state: 'online', since: NOW }, NOW + 9_000)).toBe(`${timeOfDay(NOW + 9_000)}  relay link online`);
  });

  it('says progress as a whole percentage, one line per change, and a new run starts its own lines', () => {
    const narrator = new Narrator();
    const progress = [0, 0.001, 0.004, 0.25, 0.251, 0.258, 0.5, 0.5, 1];
    const say = (p: number): string | null => narrator.line('sync.progress', { accountKey: A, resource: 'meetings', progress: p }, NOW);
    const lines = progress.map(say).filter((l): l is string => l !== null).map((l) => l.slice(10));
    expect(lines).toEqual([`${A}  syncing 0% (meetings)`, `${A}  syncing 25% (meetings)`, `${A}  syncing 50% (meetings)`, `${A}  syncing 100% (meetings)`]);
    // Another resource at the same percentage is a step of its own.
    expect(narrator.line('sync.progress', { accountKey: A, resource: 'calls', progress: 1 }, NOW)).toContain('syncing 100% (calls)');

    const done = { accountKey: A, finishedAt: NOW, added: { meetings: 1, recordings: 0, calls: 2 }, error: null };
    expect(narrator.line('sync.done', done, NOW)).toContain(`${A}  synced: 1 meeting, 0 recordings and 2 calls new or updated`);
    // Two runs that end alike are two runs.
    expect(narrator.line('sync.done', done, NOW)).not.toBeNull();
    expect(say(0)).toContain('syncing 0% (meetings)');
  });

  it('keeps progress of each account apart', () => {
    const narrator = new Narrator();
    const B = 'a_fedcba9876543210fedcba98';
    expect(narrator.line('sync.progress', { accountKey: A, resource: 'meetings', progress: 0.5 }, NOW)).not.toBeNull();
    expect(narrator.line('sync.progress', { accountKey: B, resource: 'meetings', progress: 0.5 }, NOW)).not.toBeNull();
    expect(narrator.line('sync.progress', { accountKey: A, resource: 'meetings', progress: 0.5 }, NOW)).toBeNull();
  });

  it('says a lease warning in time words, a wipe with its reason, and a relay link only when it changes', () => {
    const narrator = new Narrator();
    // The daemon's clock runs an hour ahead of this one: the time left is what counts.
    expect(narrator.line('lease.warning', { accountKey: A, leaseDeadline: NOW + HOUR + 23 * HOUR + 59 * 60_000, timeLeftMs: 23 * HOUR + 59 * 60_000 }, NOW)).toMatch(
      new RegExp(`${A}  the local data will be deleted in 23 hours \\(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\) unless the relay or Zoom renews its lease$`),
    );
    expect(narrator.line('data.wiped', { accountKey: A, receiptId: 'r_1', reason: 'user-purge' }, NOW)).toMatch(/local data deleted because you purged it; receipt r_1$/);
    expect(narrator.line('link.state', { state: 'offline', since: NOW }, NOW)).toMatch(/relay link offline$/);
    expect(narrator.line('link.state', { state: 'offline', since: NOW + 1 }, NOW + 1)).toBeNull();
    expect(narrator.line('link.state', { state: 'online', since: NOW + 2 }, NOW + 2)).toMatch(/relay link online$/);
    expect(narrator.line('account.connected', { loginId: 'l1', outcome: 'cancelled', accountKey: null }, NOW)).toMatch(/  Zoom sign-in cancelled$/);
  });

  it('holds no raw field dumps (key=value) for a person to decode', () => {
    const narrator = new Narrator();
    const line = narrator.line('data.changed', { accountKey: A, resource: 'recordings', count: 3 }, NOW);
    expect(line).toMatch(/  3 recordings stored$/);
    expect(line).not.toContain('=');
  });
});
