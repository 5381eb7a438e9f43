import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/errors.js';
import { runApiCommand } from '../../src/cli/api.js';
import { LIMITS } from '../../src/ipc/limits.js';
import { openRpcDocument, openRpcText } from '../../src/ipc/openrpc.js';
import { renderReference } from '../../src/ipc/openrpcMarkdown.js';
import { METHODS, TOPICS } from '../../src/ipc/protocol.js';
import { REPO } from '../helpers/daemonHarness.js';

// The published contract: generated from the method table, shipped as docs/openrpc.json, rendered
// as docs/ipc.md. Apps in other languages read only these, so they must say what the code does.

const STALE = 'is stale: run `npm run docs` and commit the result';
// The specification's meta-schema, and the JSON Schema meta-schema it refers to by id (both
// packages declare types only: the values are their CommonJS exports).
const require = createRequire(import.meta.url);
const { openrpcDocument: metaSchema } = require('@open-rpc/meta-schema') as { openrpcDocument: Record<string, unknown> };
const { default: jsonSchemaMeta } = require('@json-schema-tools/meta-schema') as { default: Record<string, unknown> };
const withoutDialect = ({ $schema: _dialect, ...schema }: Record<string, unknown>): Record<string, unknown> => schema;

describe('the published IPC contract', () => {
  it('docs/openrpc.json and docs/ipc.md are what the method table generates', () => {
    expect(readFileSync(join(REPO, 'docs', 'openrpc.json'), 'utf8'), `docs/openrpc.json ${STALE}`).toBe(openRpcText());
    expect(readFileSync(join(REPO, 'docs', 'ipc.md'), 'utf8'), `docs/ipc.md ${STALE}`).toBe(renderReference(openRpcDocument()));
  });

  it('is a valid OpenRPC document (the specification’s own meta-schema)', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema(withoutDialect(jsonSchemaMeta));
    // Referred to both with and without its trailing slash.
    const { $id: _id, ...sameWithoutId } = withoutDialect(jsonSchemaMeta);
    ajv.addSchema(sameWithoutId, 'https://meta.json-schema.tools');
    const validate = ajv.compile(withoutDialect(metaSchema));
    const valid = validate(JSON.parse(openRpcText()));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('names every method with its params, every event, every error code and every limit', () => {
    const doc = openRpcDocument();
    expect(doc.methods.map((m) => m.name)).toEqual([...METHODS.keys()]);
    expect(doc['x-notifications'].map((n) => n.name)).toEqual(TOPICS);
    expect(new Set(Object.values(doc.components.errors).map((e) => e.data.code))).toEqual(new Set(ERROR_CODES));
    expect(Object.keys(doc['x-limits'])).toEqual(Object.keys(LIMITS));
    const list = doc.methods.find((m) => m.name === 'meetings.list');
    expect(list?.params.map((p) => p.name)).toEqual(['account', 'from', 'to', 'limit', 'cursor']);
    expect(list?.params.find((p) => p.name === 'limit')?.schema).toMatchObject({ minimum: 1, maximum: 500, default: 50 });
    expect(doc.methods.find((m) => m.name === 'search')?.params.map((p) => p.name)).toEqual(['q', 'account', 'limit', 'cursor']);
  });

  it('describes every param, and gives the unit of every time', () => {
    for (const method of openRpcDocument().methods) {
      for (const param of method.params) {
        expect(param.description, `${method.name}.${param.name}`).toBeTruthy();
        if (/^(from|to)$|At$|Time$/.test(param.name)) expect(param.description, `${method.name}.${param.name}`).toMatch(/milliseconds since 1970/);
      }
    }
    const status = JSON.stringify(openRpcDocument().methods.find((m) => m.name === 'status')?.result);
    expect(status).toContain(`"leaseTimeLeftMs":{"anyOf":[{"type":"integer","minimum":0,"maximum":9007199254740991},{"type":"null"}],"description":"Milliseconds from the status's serverTime to leaseDeadline`);
  });

  it('is printed by `callvault api schema`, and shipped in the package', () => {
    let printed = '';
    expect(runApiCommand(['schema'], (text) => (printed += text))).toBe(0);
    expect(printed).toBe(openRpcText());
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { files: string[]; exports: Record<string, unknown> };
    expect(pkg.files).toContain('docs/openrpc.json');
    expect(pkg.exports['./openrpc.json']).toBe('./docs/openrpc.json');
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['./client', './protocol']));
  });
});
