import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { searchAcross, type Vault } from '../../src/store/index.js';
import { toFtsQuery } from '../../src/store/ftsQuery.js';
import { call, DAY, meeting, participant, recording, Scratch, T0, unwrap, WINDOW } from './fixtures.js';

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

  it('returns the newest matches first, whatever their kind and the order they were stored in', () => {
    const vault = scratch.vault();
    const m = meeting(5, { topic: 'Okapi planning' });
    vault.savePage({ resource: 'meetings', window: WINDOW, items: [m, meeting(2, { topic: 'Okapi kickoff' })], next: null, fetchedAt: T0 });
    vault.saveParticipants(m.uuid, [participant(m.uuid, 1, { name: 'Okapi Fan', joinTime: m.startTime + 60_000 })], T0);
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(7, { callerName: 'Okapi Desk' }), call(1, { callerName: 'Okapi Line' })], next: null, fetchedAt: T0 });
    vault.savePage({ resource: 'recordings', window: WINDOW, items: [recording(3, { topic: 'Okapi recording' })], next: null, fetchedAt: T0 });
    const hits = unwrap(vault.search('okapi', 10));
    expect(hits.map((h) => [h.kind, h.time])).toEqual([
      ['call', call(7).startTime],
      ['participant', m.startTime + 60_000],
      ['meeting', m.startTime],
      ['recording', recording(3).startTime],
      ['meeting', meeting(2).startTime],
      ['call', call(1).startTime],
    ]);
    expect(unwrap(vault.search('okapi', 2))).toEqual(hits.slice(0, 2));
  });

  it('returns matches of the same millisecond, the last stored first', () => {
    const vault = scratch.vault();
    const items = [1, 2, 3].map((n) => meeting(n, { topic: 'Standup', startTime: T0 }));
    vault.savePage({ resource: 'meetings', window: WINDOW, items, next: null, fetchedAt: T0 });
    vault.savePage({ resource: 'meetings', window: WINDOW, items: [meeting(4, { topic: 'Standup', startTime: T0 - 1 })], next: null, fetchedAt: T0 });
    expect(unwrap(vault.search('standup', 10)).map((h) => h.ref)).toEqual([3, 2, 1, 4].map((n) => meeting(n).uuid));
  });

  it('moves an entry whose time changes, and keeps one entry per row', () => {
    const vault = scratch.vault();
    const [early, late] = [meeting(1, { topic: 'Tapir review' }), meeting(2, { topic: 'Tapir review' })];
    vault.savePage({ resource: 'meetings', window: WINDOW, items: [early, late], next: null, fetchedAt: T0 });
    vault.saveParticipants(early.uuid, [participant(early.uuid, 1, { name: 'Tapir Absent', joinTime: null }), participant(early.uuid, 2, { name: 'Tapir Joined' })], T0);
    const kindSnippetTimes = (): Array<[string, number]> => unwrap(vault.search('tapir', 10)).map((h) => [`${h.kind}:${h.snippet}`, h.time]);
    expect(kindSnippetTimes()[0]).toEqual(['meeting:[Tapir] review', late.startTime]);

    // The meeting now starts after the other one; its participant without a join time moves with it.
    const moved = late.startTime + 1_000;
    vault.savePage({ resource: 'meetings', window: WINDOW, items: [{ ...early, startTime: moved }], next: null, fetchedAt: T0 });
    expect(kindSnippetTimes()).toEqual([
      ['participant:[Tapir] Absent person1@example.com', moved],
      ['meeting:[Tapir] review', moved],
      ['meeting:[Tapir] review', late.startTime],
      ['participant:[Tapir] Joined person2@example.com', participant(early.uuid, 2).joinTime],
    ]);
    expect(unwrap(vault.search('tapir', 10)).slice(1, 3).map((h) => h.ref)).toEqual([early.uuid, late.uuid]);

    // A participant's new join time and a call's new start move them too; a new name replaces the old one.
    vault.saveParticipants(early.uuid, [participant(early.uuid, 1, { name: 'Tapir Absent', joinTime: null }), participant(early.uuid, 2, { name: 'Tapir Renamed', joinTime: moved + 5 })], T0);
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(1, { callerName: 'Tapir Phone', startTime: T0 })], next: null, fetchedAt: T0 });
    vault.savePage({ resource: 'calls', window: WINDOW, items: [call(1, { callerName: 'Tapir Phone', startTime: moved + 9 })], next: null, fetchedAt: T0 });
    expect(kindSnippetTimes().slice(0, 3)).toEqual([
      [`call:[Tapir] Phone ${call(1).callerNumber} Me ${call(1).calleeNumber}`, moved + 9],
      ['participant:[Tapir] Renamed person2@example.com', moved + 5],
      ['participant:[Tapir] Absent person1@example.com', moved],
    ]);
    expect(unwrap(vault.search('joined', 10))).toEqual([]);
    expect(kindSnippetTimes()).toHaveLength(5);
    expect(vault.integrityCheck()).toBe('ok');
  });

  it('forgets the text of deleted rows: participants no longer listed, meetings swept by retention', () => {
    const vault = scratch.vault();
    const m = meeting(1, { topic: 'Marmot sync' });
    vault.savePage({ resource: 'meetings', window: WINDOW, items: [m, meeting(2, { topic: 'Marmot sync', startTime: T0 + 400 * DAY })], next: null, fetchedAt: T0 });
    vault.saveParticipants(m.uuid, [participant(m.uuid, 1, { name: 'Gone Wombat' }), participant(m.uuid, 2, { name: 'Kept Wombat' })], T0);
    vault.saveParticipants(m.uuid, [participant(m.uuid, 2, { name: 'Kept Wombat' })], T0);
    expect(unwrap(vault.search('wombat', 10)).map((h) => h.snippet)).toEqual(['Kept [Wombat] person2@example.com']);
    vault.sweepRetention(T0 + DAY, T0 + 400 * DAY);
    expect(unwrap(vault.search('wombat', 10))).toEqual([]);
    expect(unwrap(vault.search('marmot', 10)).map((h) => h.ref)).toEqual([meeting(2).uuid]);
    expect(vault.integrityCheck()).toBe('ok');
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

  it('merges the hits of several vaults newest first, under their account keys', () => {
    const one = scratch.vault(`${keyOne}.db`);
    const two = scratch.vault(`${keyTwo}.db`);
    one.savePage({ resource: 'meetings', window: WINDOW, items: [1, 3, 6].map((n) => meeting(n, { topic: 'Standup' })), next: null, fetchedAt: T0 });
    two.savePage({ resource: 'meetings', window: WINDOW, items: [2, 4].map((n) => meeting(n, { topic: 'Standup' })), next: null, fetchedAt: T0 });
    two.savePage({ resource: 'calls', window: WINDOW, items: [call(5, { callerName: 'Standup Bridge' })], next: null, fetchedAt: T0 });
    const vaults = [
      { accountKey: keyOne, vault: one, after: null },
      { accountKey: keyTwo, vault: two, after: null },
    ];
    const hits = unwrap(searchAcross(vaults, 'standup', 10)).hits;
    expect(hits.map((h) => [h.accountKey, h.kind, h.time])).toEqual([
      [keyOne, 'meeting', meeting(6).startTime],
      [keyTwo, 'call', call(5).startTime],
      [keyTwo, 'meeting', meeting(4).startTime],
      [keyOne, 'meeting', meeting(3).startTime],
      [keyTwo, 'meeting', meeting(2).startTime],
      [keyOne, 'meeting', meeting(1).startTime],
    ]);
    expect(unwrap(searchAcross(vaults, 'standup', 3)).hits).toEqual(hits.slice(0, 3));
    expect(unwrap(searchAcross([], 'standup', 3)).hits).toEqual([]);
  });

  it('pages from each vault\'s position: every hit once, in the order of one big page, then done', () => {
    const one = scratch.vault(`${keyOne}.db`);
    const two = scratch.vault(`${keyTwo}.db`);
    one.savePage({ resource: 'meetings', window: WINDOW, items: [1, 3, 5, 6, 9].map((n) => meeting(n, { topic: 'Standup' })), next: null, fetchedAt: T0 });
    two.savePage({ resource: 'meetings', window: WINDOW, items: [2, 4, 7, 8].map((n) => meeting(n, { topic: 'Standup' })), next: null, fetchedAt: T0 });
    const whole = unwrap(searchAcross([{ accountKey: keyOne, vault: one, after: null }, { accountKey: keyTwo, vault: two, after: null }], 'standup', 50)).hits;
    const paged: typeof whole = [];
    let positions = new Map<string, string | null | 'done'>([[keyOne, null], [keyTwo, null]]);
    for (let pages = 0; [...positions.values()].some((p) => p !== 'done'); pages++) {
      expect(pages).toBeLessThan(5);
      const sources = [...positions].filter(([, p]) => p !== 'done').map(([accountKey, p]) => ({ accountKey, vault: accountKey === keyOne ? one : two, after: p === 'done' ? null : p }));
      const page = unwrap(searchAcross(sources, 'standup', 2));
      paged.push(...page.hits);
      positions = new Map([...positions].map(([key, p]) => [key, page.positions.get(key) ?? p]));
    }
    expect(paged).toEqual(whole);
    expect(whole).toHaveLength(9);
  });

  it('orders hits of the same millisecond by account key, then as their vault did, whatever the order of the vaults', () => {
    const one = scratch.vault(`${keyOne}.db`);
    const two = scratch.vault(`${keyTwo}.db`);
    one.savePage({ resource: 'meetings', window: WINDOW, items: [1, 2].map((n) => meeting(n, { topic: 'Standup', startTime: T0 })), next: null, fetchedAt: T0 });
    two.savePage({ resource: 'meetings', window: WINDOW, items: [3, 4].map((n) => meeting(n, { topic: 'Standup', startTime: T0 })), next: null, fetchedAt: T0 });
    const expected = [
      [keyOne, meeting(2).uuid],
      [keyOne, meeting(1).uuid],
      [keyTwo, meeting(4).uuid],
      [keyTwo, meeting(3).uuid],
    ];
    const order = (vaults: Array<{ accountKey: string; vault: Vault; after: null }>): string[][] => unwrap(searchAcross(vaults, 'standup', 10)).hits.map((h) => [h.accountKey, h.ref]);
    expect(order([{ accountKey: keyOne, vault: one, after: null }, { accountKey: keyTwo, vault: two, after: null }])).toEqual(expected);
    expect(order([{ accountKey: keyTwo, vault: two, after: null }, { accountKey: keyOne, vault: one, after: null }])).toEqual(expected);
  });

  it('never throws on hostile queries and refuses a bad limit', () => {
    const vaults = [{ accountKey: keyOne, vault: seeded(`${keyOne}.db`), after: null }];
    for (const text of HOSTILE) expect(searchAcross(vaults, text, 5).ok).toBe(true);
    const bad = searchAcross(vaults, 'x', 0);
    expect(!bad.ok && bad.error.code).toBe('BAD_LIMIT');
  });
});
