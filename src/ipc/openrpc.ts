import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { NUMERIC_CODES, RPC_CODES } from './jsonrpc.js';
import { LIMITS } from './limits.js';
import { EVENT_DEFS, METHODS, PROTOCOL_VERSION, TOPICS, type MethodDef } from './protocol.js';

// The published contract: an OpenRPC 1.3 document generated from the method table, so an app in
// any language (Electron, Swift, C#, Python) can use the API without reading our source. It ships
// in the package (docs/openrpc.json), `callvault api schema` prints it, and docs/ipc.md is rendered
// from it; tests/ipc/contract.test.ts fails when either file is stale.
// OpenRPC has no place for what a server sends unasked, or for transport limits: those go in
// extension fields (x-notifications, x-limits), as the specification allows.

type JsonSchema = Record<string, unknown>;

interface ContentDescriptor {
  name: string;
  description?: string;
  required?: boolean;
  schema: JsonSchema;
}

interface ErrorObject {
  code: number;
  message: string;
  data: { code: ErrorCode };
}

export interface OpenRpcDocument {
  openrpc: string;
  info: { title: string; version: string; description: string };
  servers: Array<{ name: string; url: string; summary: string; description: string }>;
  methods: Array<{
    name: string;
    summary: string;
    paramStructure: 'by-name';
    params: ContentDescriptor[];
    result: ContentDescriptor;
    errors: Array<{ $ref: string }>;
    'x-access': 'read' | 'write';
  }>;
  components: { errors: Record<string, ErrorObject> };
  'x-notifications': Array<{ name: string; summary: string; params: ContentDescriptor[] }>;
  'x-limits': Record<string, { value: number; unit: string; description: string }>;
}

/** What each code of the closed set means, and what a client does about it. */
const ERROR_MEANINGS: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The request was wrong: the message says what (nothing was done). error.code tells which JSON-RPC rule it broke.',
  UNAUTHORIZED: 'No hello, a wrong token (it changes at every daemon start: read the token file again) or another protocol. The connection is closed.',
  NOT_FOUND: 'No such account or row.',
  WIPED: "The account's local data was deleted (or is being deleted). Nothing of it is served; its receipt is in receipts.list.",
  EXPIRED: "The account's lease ran out: its data is being deleted and is not served.",
  BUSY: 'A limit was reached: error.data.limit names it and its value. Try again later, or with fewer requests at once.',
  UNAVAILABLE: 'The daemon could not do it now (Zoom or the relay unreachable, a wipe not yet verified); the message says which. Try again later.',
  INTERNAL: 'A bug in the daemon; its log has the details.',
};

/** BAD_REQUEST comes with JSON-RPC's own code for the rule broken. */
const BAD_REQUEST_KINDS = {
  PARSE_ERROR: [RPC_CODES.parseError, 'The frame is not UTF-8 JSON.'],
  INVALID_REQUEST: [RPC_CODES.invalidRequest, 'The frame is not a JSON-RPC 2.0 request or batch, or passes a frame limit (error.data.limit).'],
  METHOD_NOT_FOUND: [RPC_CODES.methodNotFound, 'No method of that name.'],
  INVALID_PARAMS: [RPC_CODES.invalidParams, 'The params do not match the method’s schema: the message names each field and rule.'],
} as const;

/** Errors any request may get, besides its method's own. */
const ANY_REQUEST: readonly string[] = ['INVALID_REQUEST', 'INVALID_PARAMS', 'BUSY', 'INTERNAL'];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, target: 'draft-07', unrepresentable: 'any' }) as JsonSchema;
  return json;
}

/** A by-name params object as OpenRPC's list of named parameters. */
function paramsOf(schema: z.ZodType): ContentDescriptor[] {
  const json = jsonSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, ...(typeof description === 'string' ? { description } : {}), required: required.has(name), schema: { ...rest } };
  });
}

function errorsOf(def: MethodDef): Array<{ $ref: string }> {
  const names = new Set([...(def.name === 'hello' ? [] : ANY_REQUEST), ...def.errors]);
  if (def.name !== 'hello') names.delete('UNAUTHORIZED');
  return [...names].map((name) => ({ $ref: `#/components/errors/${name}` }));
}

function errorComponents(): Record<string, ErrorObject> {
  const components: Record<string, ErrorObject> = {};
  for (const [name, [code, message]] of Object.entries(BAD_REQUEST_KINDS)) components[name] = { code, message, data: { code: 'BAD_REQUEST' } };
  for (const code of ERROR_CODES) {
    if (code !== 'BAD_REQUEST') components[code] = { code: NUMERIC_CODES[code], message: ERROR_MEANINGS[code], data: { code } };
  }
  return components;
}

const DESCRIPTION = [
  "The local API of the callvault daemon: a user's offline Zoom history (meetings, participants, recordings, Zoom Phone calls), its sync, its lease and its deletion receipts.",
  '',
  'Transport: a unix domain socket (a named pipe on Windows) in a folder only the user can open. Wire: JSON-RPC 2.0, one UTF-8 JSON message or batch per line (frames end with "\\n"; JSON never holds a raw newline).',
  `The first request must be hello {token, protocol: ${PROTOCOL_VERSION}}, with the token read from the token file beside the socket (it changes at every daemon start). Anything else first, a wrong token or a wrong protocol is answered UNAUTHORIZED and the connection closed.`,
  'Params are by name (an object). Requests without an id are notifications: carried out, never answered. Batches (a JSON array of requests) are supported up to x-limits.maxBatch, answered with one array.',
  'Errors: error.code is a JSON-RPC code (-32700 to -32600 for malformed requests, -32001 to -32006 for the daemon’s own), error.data.code the closed set (BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, WIPED, EXPIRED, BUSY, UNAVAILABLE, INTERNAL), and error.data.limit, when a limit was reached, its name in x-limits and its value.',
  'Events: after subscribe, the daemon sends JSON-RPC notifications whose method is the topic and whose params are the event (x-notifications).',
  'Times are integers: milliseconds since 1970-01-01T00:00:00Z (UTC) for points in time, milliseconds or the unit named for durations. Show them against status.serverTime, the daemon’s trusted clock.',
  'Compatibility: protocol 2 only adds methods, topics and fields; a change that removes or retypes anything is a new protocol, which hello refuses.',
].join('\n');

export function openRpcDocument(): OpenRpcDocument {
  return {
    openrpc: '1.3.2',
    info: { title: 'callvault IPC', version: `${PROTOCOL_VERSION}.0.0`, description: DESCRIPTION },
    servers: [
      {
        name: 'unix socket',
        url: 'unix:{runtime}/ipc.sock',
        summary: 'Linux and macOS',
        description:
          'The token is {runtime}/ipc.token. {runtime} is $CALLVAULT_HOME/run when CALLVAULT_HOME is set; else $XDG_RUNTIME_DIR/callvault (or /tmp/callvault-<uid>) on Linux, and ~/Library/Application Support/callvault/run on macOS.',
      },
      {
        name: 'named pipe',
        url: 'pipe:\\\\.\\pipe\\callvault-{digest}',
        summary: 'Windows',
        description:
          '{digest}: the first 16 hex digits of the SHA-256 of the runtime folder path in lower case; the runtime folder is %LOCALAPPDATA%\\callvault\\run (or %CALLVAULT_HOME%\\run) and holds ipc.token.',
      },
    ],
    methods: [...METHODS.values()].map((def) => ({
      name: def.name,
      summary: def.summary,
      paramStructure: 'by-name',
      params: paramsOf(def.params),
      result: { name: `${def.name} result`, schema: jsonSchema(def.result, 'output') },
      errors: errorsOf(def),
      'x-access': def.access,
    })),
    components: { errors: errorComponents() },
    'x-notifications': TOPICS.map((topic) => ({
      name: topic,
      summary: EVENT_DEFS[topic].summary,
      params: [{ name: 'event', required: true, schema: jsonSchema(EVENT_DEFS[topic].data, 'output') }],
    })),
    'x-limits': Object.fromEntries(Object.entries(LIMITS).map(([name, spec]) => [name, { value: spec.value, unit: spec.unit, description: spec.description }])),
  };
}

/** The document as shipped in docs/openrpc.json and printed by `callvault api schema`. */
export function openRpcText(): string {
  return `${JSON.stringify(openRpcDocument(), null, 2)}\n`;
}
