import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { indexMethods, METHODS } from '../../src/ipc/protocol.js';
import { createRouter, type Handlers } from '../../src/ipc/router.js';
import { silentLogger } from '../../src/platform/logger.js';
import { fakeHandlers } from './helpers.js';

describe('method table', () => {
  it('fails loudly when a name is registered twice', () => {
    const def = { name: 'status', params: z.object({}), result: z.object({}), access: 'read' as const, summary: '', errors: [] };
    expect(() => indexMethods([def, { ...def }])).toThrow('IPC method "status" is registered twice');
  });

  it('refuses a handler table with a method missing', () => {
    const { search: _search, ...partial } = fakeHandlers();
    expect(() => createRouter({ handlers: partial as Handlers, log: silentLogger() })).toThrow('no IPC handler for "search"');
  });

  it('holds no prototype names', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) expect(METHODS.has(name)).toBe(false);
  });
});
