import { describe, expect, it } from 'vitest';
import { replyMemo } from '../../src/daemon/replyMemo.js';

describe('a reply kept as JSON text', () => {
  it('is rebuilt exactly when one of its inputs is a different value', () => {
    let builds = 0;
    const state = { paused: false, counts: { meetings: 1 }, accounts: ['a'] };
    const reply = replyMemo(
      () => [state.paused, state.counts, ...state.accounts],
      () => {
        builds++;
        return { paused: state.paused, meetings: state.counts.meetings, accounts: state.accounts };
      },
    );
    const first = reply();
    expect(JSON.parse(first.json)).toEqual({ paused: false, meetings: 1, accounts: ['a'] });
    expect(reply()).toBe(first);
    expect(builds).toBe(1);

    state.paused = true;
    expect(JSON.parse(reply().json)).toMatchObject({ paused: true });
    state.counts = { meetings: 2 };
    expect(JSON.parse(reply().json)).toMatchObject({ meetings: 2 });
    // One more input (an account connected) is a change even when the others are equal.
    state.accounts = ['a', 'b'];
    expect(JSON.parse(reply().json)).toMatchObject({ accounts: ['a', 'b'] });
    expect(builds).toBe(4);
    reply();
    expect(builds).toBe(4);
  });
});
