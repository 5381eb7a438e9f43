import type { OpenRpcDocument } from './openrpc.js';

// docs/ipc.md: the contract (openrpc.ts) as a reference a person reads. Generated, never edited:
// `npm run docs` writes it, and a test fails when it is stale.

type JsonSchema = Record<string, unknown>;

interface Row {
  path: string;
  type: string;
  required: boolean;
  meaning: string;
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function typeOf(schema: JsonSchema): string {
  if ('const' in schema) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' | ');
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).map(typeOf).join(' | ');
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  if (schema.type === 'array') return `array of ${typeOf((schema.items ?? {}) as JsonSchema)}`;
  if (schema.type === 'integer' || schema.type === 'number' || schema.type === 'string' || schema.type === 'boolean' || schema.type === 'object' || schema.type === 'null') return String(schema.type);
  return 'any';
}

function constraintsOf(schema: JsonSchema): string[] {
  const parts: string[] = [];
  const numeric = (key: string, words: string): void => {
    // JSON Schema's integer bounds of a safe integer say nothing a reader needs.
    const value = schema[key];
    if (typeof value === 'number' && Math.abs(value) !== Number.MAX_SAFE_INTEGER) parts.push(`${words} ${String(value)}`);
  };
  numeric('minimum', 'min');
  numeric('maximum', 'max');
  numeric('minLength', 'min length');
  numeric('maxLength', 'max length');
  numeric('maxItems', 'at most');
  if (typeof schema.pattern === 'string') parts.push(`pattern \`${schema.pattern}\``);
  if ('default' in schema) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts;
}

/** The non-null branch of `X | null`, which carries the fields. */
function solid(schema: JsonSchema): JsonSchema {
  if (!Array.isArray(schema.anyOf)) return schema;
  const branches = (schema.anyOf as JsonSchema[]).filter((branch) => branch.type !== 'null');
  return branches.length === 1 && branches[0] ? branches[0] : schema;
}

/** Every field, nested ones as a.b and items of arrays as a[].b. */
function rows(schema: JsonSchema, prefix = ''): Row[] {
  const object = solid(schema);
  const target = object.type === 'array' ? solid((object.items ?? {}) as JsonSchema) : object;
  const properties = (target.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((target.required ?? []) as string[]);
  const list: Row[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const path = `${prefix}${name}`;
    const inner = solid(property);
    const descriptions = new Set([inner.description, property.description].filter((d): d is string => typeof d === 'string'));
    const meaning = [...descriptions, ...constraintsOf(inner).map((c) => `(${c})`)].join(' ');
    list.push({ path, type: typeOf(property), required: required.has(name), meaning });
    if (inner.type === 'object') list.push(...rows(inner, `${path}.`));
    if (inner.type === 'array' && solid((inner.items ?? {}) as JsonSchema).type === 'object') list.push(...rows(inner, `${path}[].`));
  }
  return list;
}

function table(list: Row[]): string[] {
  if (list.length === 0) return ['(none)', ''];
  return ['| field | type | required | meaning |', '|---|---|---|---|', ...list.map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${r.required ? 'yes' : 'no'} | ${cell(r.meaning)} |`), ''];
}

export function renderReference(doc: OpenRpcDocument): string {
  const lines: string[] = [
    `# callvault IPC API, protocol ${doc.info.version.split('.')[0]}`,
    '',
    '<!-- Generated from the method table (src/ipc/protocol.ts) by `npm run docs`. Do not edit: a test fails when this file is stale. -->',
    '',
    'The machine-readable contract is [openrpc.json](openrpc.json) (OpenRPC 1.3); `callvault api schema` prints it. Examples: [examples/node](../examples/node) and [examples/python](../examples/python).',
    '',
    ...doc.info.description.split('\n').flatMap((line) => (line === '' ? [] : [line, ''])),
    '',
    '## Connecting',
    '',
    ...doc.servers.map((s) => `- **${s.summary}**: \`${s.url}\`. ${s.description}`),
    '',
    'A session, byte for byte:',
    '',
    '```',
    '→ {"jsonrpc":"2.0","id":1,"method":"hello","params":{"token":"<contents of ipc.token>","protocol":2}}',
    '← {"jsonrpc":"2.0","id":1,"result":{"protocol":2,"daemonVersion":"0.1.0","serverTime":1767261600000}}',
    '→ {"jsonrpc":"2.0","id":2,"method":"meetings.list","params":{"limit":2}}',
    '← {"jsonrpc":"2.0","id":2,"result":{"items":[…],"nextCursor":"meetings.all~a_…","omitted":[]}}',
    '→ {"jsonrpc":"2.0","id":3,"method":"subscribe","params":{"topics":["data.wiped"]}}',
    '← {"jsonrpc":"2.0","id":3,"result":{"topics":["data.wiped"]}}',
    '← {"jsonrpc":"2.0","method":"data.wiped","params":{"accountKey":"a_…","receiptId":"…","reason":"user-purge"}}',
    '→ {"jsonrpc":"2.0","id":4,"method":"meetings.list","params":{"account":"a_…"}}',
    '← {"jsonrpc":"2.0","id":4,"error":{"code":-32003,"message":"account a_… has been wiped; connect it again to sync","data":{"code":"WIPED"}}}',
    '```',
    '',
    '## Limits',
    '',
    'Every limit the daemon enforces (`x-limits`). An error caused by one names it in `error.data.limit`.',
    '',
    '| limit | value | unit | meaning |',
    '|---|---|---|---|',
    ...Object.entries(doc['x-limits']).map(([name, l]) => `| \`${name}\` | ${l.value} | ${l.unit} | ${cell(l.description)} |`),
    '',
    'Params have limits of their own (lengths, page sizes), given with each method below.',
    '',
    '## Errors',
    '',
    '| name | `error.code` | `error.data.code` | meaning |',
    '|---|---|---|---|',
    ...Object.entries(doc.components.errors).map(([name, e]) => `| ${name} | ${e.code} | \`${e.data.code}\` | ${cell(e.message)} |`),
    '',
    'Every method may also answer INVALID_REQUEST, INVALID_PARAMS, BUSY and INTERNAL.',
    '',
    '## Methods',
    '',
  ];
  for (const method of doc.methods) {
    const own = method.errors.map((e) => e.$ref.split('/').at(-1) ?? '').filter((name) => !['INVALID_REQUEST', 'INVALID_PARAMS', 'BUSY', 'INTERNAL'].includes(name));
    const params: Row[] = method.params.map((p) => ({
      path: p.name,
      type: typeOf(p.schema),
      required: p.required === true,
      meaning: [p.description ?? '', ...constraintsOf(solid(p.schema)).map((c) => `(${c})`)].filter(Boolean).join(' '),
    }));
    lines.push(`### \`${method.name}\` (${method['x-access']})`, '', method.summary, '', '**Params**', '', ...table(params), '**Result**', '', ...table(rows(method.result.schema)));
    lines.push(`**Errors of its own**: ${own.length > 0 ? own.join(', ') : 'none'}`, '');
  }
  lines.push('## Events', '', 'Sent as notifications `{"jsonrpc":"2.0","method":"<topic>","params":{…}}` to connections subscribed to the topic.', '');
  for (const notification of doc['x-notifications']) {
    lines.push(`### \`${notification.name}\``, '', notification.summary, '', ...table(rows(notification.params[0]?.schema ?? {})));
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
