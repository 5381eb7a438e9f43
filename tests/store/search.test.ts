import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { searchAcross, type Vault } from '../../src/store/index.js';
import { toFtsQuery } from '../../src/store/ftsQuery.js';
import { call, meeting, participant, recording, Scratch, T0, unwrap, WINDOW } from './fixtures.js';

let scratch: Scratch;
beforeEach(() => {
  scratch = new Scratch();
});
afterEach(() => scratch.cleanup());

const HOSTILE = ['foo"bar', '"', 'AND', 'OR NOT', '*', '(', ')', 'NEAR(a b)', 'a AND (', 'topic:', '^x', '-', '{body}: x', "'; DROP TABLE meetings; --", '\u0000', '💥', '   ', '', 'x'.repeat(5000)];

function seeded(name: string): Vault {
  const vault = scratch.vault(name);
  const m = meeting(1, { topic: 'Café roadmap review' });
  vault.savePage({ resource: 'meetings', window: WINDOW, items: [m, meeting(2, { topic: 'Hiring sync' })], next: null, fetchedAt: T0 });
  vault.saveParticipants(m.uuid, [participant(m.uuid, 1, { name: 'Zofia Quell', email: 'zofia@example.org' })], T0);
  vault.savePage({ resource: 'calls', window: WINDOW, items: [call(1, { callerName: 'Bartholomew Crane', callerNumber: '+1 555-0142' })], next: null, fetchedAt: T0 });
  vault.savePage({ resource: 'recordings', window: WINDOW, items: [recording(1, { topic: 'Roadmap recording' })], next: null, fetchedAt: T0 });
  return vault;
}

describe('search in one vault', () => {
  it('finds meetings, participants (names and emails), calls and recordings', () => {
    const vault = seeded('a_000000000000000000000001.db');
    const kinds = (text: string): string[] => unwrap(vault.search(text, 10)).map((h) => `${h.kind}:${h.ref}`);
    expect(kinds('zofia')).toEqual([`participant:${meeting(1).uuid}`]);
    expect(kinds('example.org')).toEqual([`participant:${meeting(1).uuid}`]);
    expect(kinds('bartholomew')).toEqual([`call:${call(1).id}`]);
    expect(kinds('555-0142')).toEqual([`call:${call(1).id}`]);
    expect(kinds('roadmap').sort()).toEqual([`meeting:${meeting(1).uuid}`, `recording:${recording(1).meetingUuid}`].sort());
  });

  it('matches the last word as a prefix, every word, and ignores accents', () => {
    const vault = seeded('a_000000000000000000000001.db');
    expect(unwrap(vault.search('road', 10))).toHaveLength(2);
    expect(unwrap(vault.search('cafe road', 10)).map((h) => h.kind)).toEqual(['meeting']);
    expect(unwrap(vault.search('cafe hiring', 10))).toEqual([]);
  });

  it('returns a snippet marking the match, the time, and the account key it was given', () => {
    const vault = seeded('a_000000000000000000000001.db');
    const [hit] = unwrap(vault.search('hiring', 10, 'a_000000000000000000000001'));
    expect(hit).toEqual({ accountKey: 'a_000000000000000000000001', kind: 'meeting', ref: meeting(2).uuid, time: meeting(2).startTime, snippet: '[Hiring] sync' });
  });

  it('ranks equal matches newest first and respects the limit', () => {
    const vault = scratch.vault();
    vault.savePage({ resource: 'meetings', window: WINDOW, items: [1, 2, 3, 4].map((n) => meeting(n, { topic: 'Standup' })), next: null, fetchedAt: T0 });
    expect(unwrap(vault.search('standup', 3)).map((h) => h.ref)).toEqual([4, 3, 2].map((n) => meeting(n).uuid));
  });

  it('treats query syntax as text: hostile queries never throw', () => {
    const vault = seeded('a_000000000000000000000001.db');
    for (const text of HOSTILE) {
      const result = vault.search(text, 10);
      expect(result.ok, JSON.stringify(text.slice(0, 20))).toBe(true);
    }
    expect(unwrap(vault.search('AND', 10))).toEqual([]);
    expect(unwrap(vault.search('"hiring"', 10))).toHaveLength(1);
    expect(unwrap(vault.search('hiring)', 10))).toHaveLength(1);
  });

  it('refuses a bad limit as an error value', () => {
    const vault = seeded('a_000000000000000000000001.db');
    for (const limit of [0, 501, 1.5]) {
      const result = vault.search('x', limit);
      expect(!result.ok && result.error.code).toBe('BAD_LIMIT');
    }
  });

  it('quotes each word and marks only the last one as a prefix', () => {
    expect(toFtsQuery('foo "bar" baz')).toBe('"foo" """bar""" "baz" *');
    expect(toFtsQuery(' * ( ')).toBeNull();
  });
});

describe('searchAcross', () => {
  const keyOne = 'a_000000000000000000000001';
  const keyTwo = 'a_000000000000000000000002';

  it('merges the hits of several vaults, equal ranks newest first, under their account keys', () => {
    // Same-shaped vaults score alike, so the merge order is decided by time.
    const one = scratch.vault(`${keyOne}.db`);
    const two = scratch.vault(`${keyTwo}.db`);
    one.savePage({ resource: 'meetings', window: WINDOW, items: [1, 3].map((n) => meeting(n, { topic: 'Standup' })), next: null, fetchedAt: T0 });
    two.savePage({ resource: 'meetings', window: WINDOW, items: [2, 4].map((n) => meeting(n, { topic: 'Standup' })), next: null, fetchedAt: T0 });
    const vaults = [
      { accountKey: keyOne, vault: one },
      { accountKey: keyTwo, vault: two },
    ];
    const hits = unwrap(searchAcross(vaults, 'standup', 10));
    expect(hits.map((h) => [h.accountKey, h.ref])).toEqual([
      [keyTwo, meeting(4).uuid],
      [keyOne, meeting(3).uuid],
      [keyTwo, meeting(2).uuid],
      [keyOne, meeting(1).uuid],
    ]);
    expect(hits.every((h) => !('rank' in h))).toBe(true);
    expect(unwrap(searchAcross(vaults, 'standup', 3))).toEqual(hits.slice(0, 3));
    expect(unwrap(searchAcross([], 'standup', 3))).toEqual([]);
  });

  it('never throws on hostile queries and refuses a bad limit', () => {
    const vaults = [{ accountKey: keyOne, vault: seeded(`${keyOne}.db`) }];
    for (const text of HOSTILE) expect(searchAcross(vaults, text, 5).ok).toBe(true);
    const bad = searchAcross(vaults, 'x', 0);
    expect(!bad.ok && bad.error.code).toBe('BAD_LIMIT');
  });
});
