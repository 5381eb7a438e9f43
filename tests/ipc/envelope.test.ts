import { describe, expect, it } from 'vitest';
import { readRequest, readServerMessage, requestIdOf } from '../../src/ipc/envelope.js';

// The envelope is read by hand on every frame; these are the shapes the schema used to decide.

describe('request envelope', () => {
  it('takes {id, method, params?} with a usable id and ignores other keys', () => {
    expect(readRequest({ id: 1, method: 'status', params: {} })).toEqual({ id: 1, method: 'status', params: {} });
    expect(readRequest({ id: 'a', method: 'status' })).toEqual({ id: 'a', method: 'status' });
    expect(readRequest({ id: 0, method: 'x', extra: true })).toEqual({ id: 0, method: 'x' });
    expect(readRequest(JSON.parse('{"id":7,"method":"status","__proto__":{"admin":true}}'))).toEqual({ id: 7, method: 'status' });
  });

  it('refuses anything else, naming the id when it is usable', () => {
    const bad = [null, 7, 'status', [1, 'status'], { method: 'status' }, { id: 1 }, { id: 1, method: 5 }, { id: -1, method: 'm' }, { id: 1.5, method: 'm' }, { id: 2 ** 53, method: 'm' }, { id: '', method: 'm' }, { id: 'x'.repeat(65), method: 'm' }, { id: true, method: 'm' }, { id: null, method: 'm' }];
    for (const value of bad) expect(readRequest(value)).toBeNull();
    expect(requestIdOf({ id: 3, method: 5 })).toBe(3);
    expect(requestIdOf({ id: 'x'.repeat(65) })).toBeNull();
    expect(requestIdOf([3])).toBeNull();
    expect(requestIdOf(Object.create({ id: 3 }))).toBeNull();
  });
});

describe('server message envelope', () => {
  it('reads answers, errors (also to no request) and events', () => {
    expect(readServerMessage({ id: 1, result: { a: 1 } })).toEqual({ id: 1, result: { a: 1 } });
    expect(readServerMessage({ id: 1, error: { code: 'BUSY', message: 'later' } })).toEqual({ id: 1, error: { code: 'BUSY', message: 'later' } });
    expect(readServerMessage({ id: null, error: { code: 'UNAUTHORIZED', message: 'no' } })).toEqual({ id: null, error: { code: 'UNAUTHORIZED', message: 'no' } });
    expect(readServerMessage({ event: 'sync.done', data: { accountKey: 'k' } })).toEqual({ event: 'sync.done', data: { accountKey: 'k' } });
  });

  it('drops what no server sends: unknown error codes, answers without an id, events without data', () => {
    const bad = [null, [], { id: 1, error: { code: 'TEAPOT', message: 'x' } }, { id: 1, error: { code: 'BUSY' } }, { id: null, result: 1 }, { result: 1 }, { event: 'sync.done' }, { event: 3, data: 1 }, { id: 1 }];
    for (const value of bad) expect(readServerMessage(value)).toBeNull();
  });
});
