// Zoom's own shapes of the responses and events callvault reads, taken from the typed SDK Zoom
// publishes (@zoom/rivet, pinned in devDependencies) and written as JSON Schema to
// spec/zoom-rivet/schemas.json, so that tests can check what the simulator serves against them at
// run time (the type check already does at build time: src/sim/zoomJson.ts).
//
//   node scripts/rivet-spec.mjs         rewrites the file from the installed Rivet
//
// tests/sim/conformance.test.ts fails while the committed file differs from what the installed
// Rivet gives, so a new Rivet version shows its changes in review.
//
// The conversion covers what Rivet's declarations use for these types: objects (and intersections
// of them) with optional fields, arrays, unions of literals, and primitives. Every object is closed
// (additionalProperties: false): the simulator may send only fields Zoom documents.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = join(fileURLToPath(import.meta.url), '../..');
const RIVET = join(ROOT, 'node_modules/@zoom/rivet');
export const SPEC_FILE = join(ROOT, 'spec/zoom-rivet/schemas.json');

/** The types, by declaration file under @zoom/rivet. */
export const RIVET_TYPES = {
  'meetings/meetings.d.ts': [
    'MeetingsListMeetingsResponse',
    'MeetingsGetPastMeetingDetailsResponse',
    'MeetingsListPastMeetingInstancesResponse',
    'MeetingsGetPastMeetingParticipantsResponse',
    'CloudRecordingListAllRecordingsResponse',
    'ReportsGetMeetingReportsResponse',
    'ReportsGetMeetingParticipantReportsResponse',
    'MeetingEndedEvent',
    'RecordingCompletedEvent',
    'RecordingTrashedEvent',
    'RecordingDeletedEvent',
  ],
  'phone/phone.d.ts': ['CallLogsGetUsersCallHistoryResponse', 'PhoneCallerCallHistoryCompletedEvent', 'PhoneCalleeCallHistoryCompletedEvent', 'PhoneCallHistoryDeletedEvent'],
  'users/users.d.ts': ['UsersGetUserResponse'],
};

function literalValue(type) {
  if (type.isStringLiteral() || type.isNumberLiteral()) return type.value;
  if (type.flags & ts.TypeFlags.BooleanLiteral) return type.intrinsicName === 'true';
  return undefined;
}

function toSchema(checker, type, path) {
  const F = ts.TypeFlags;
  if (type.flags & (F.Any | F.Unknown)) return {};
  if (type.isUnion()) {
    const members = type.types.filter((t) => !(t.flags & F.Undefined));
    if (members.length === 1) return toSchema(checker, members[0], path);
    const literals = members.map(literalValue);
    if (literals.every((v) => v !== undefined)) {
      if (literals.every((v) => typeof v === 'boolean')) return { type: 'boolean' };
      return { enum: literals };
    }
    return { anyOf: members.map((t) => toSchema(checker, t, path)) };
  }
  const literal = literalValue(type);
  if (literal !== undefined) return { enum: [literal] };
  if (type.flags & F.String) return { type: 'string' };
  if (type.flags & F.Number) return { type: 'number' };
  if (type.flags & F.Boolean) return { type: 'boolean' };
  if (type.flags & F.Null) return { type: 'null' };
  if (checker.isArrayType(type)) return { type: 'array', items: toSchema(checker, checker.getTypeArguments(type)[0], `${path}[]`) };
  if (type.flags & F.Object || type.isIntersection()) {
    const properties = {};
    const required = [];
    for (const prop of checker.getPropertiesOfType(type)) {
      const declaration = prop.valueDeclaration ?? prop.declarations?.[0];
      properties[prop.name] = toSchema(checker, checker.getTypeOfSymbolAtLocation(prop, declaration), `${path}.${prop.name}`);
      if (!(prop.flags & ts.SymbolFlags.Optional)) required.push(prop.name);
    }
    const schema = { type: 'object', properties, additionalProperties: false };
    if (required.length > 0) schema.required = required;
    return schema;
  }
  throw new Error(`rivet-spec: no JSON Schema for ${checker.typeToString(type)} at ${path}`);
}

/** The JSON Schemas of RIVET_TYPES, from the installed @zoom/rivet. */
export function rivetSchemas() {
  const files = Object.keys(RIVET_TYPES).map((file) => join(RIVET, file));
  const program = ts.createProgram(files, { strict: true, noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const definitions = {};
  for (const [file, names] of Object.entries(RIVET_TYPES)) {
    const source = program.getSourceFile(join(RIVET, file));
    if (!source) throw new Error(`rivet-spec: ${file} is not in @zoom/rivet`);
    const aliases = new Map();
    ts.forEachChild(source, (node) => {
      if (ts.isTypeAliasDeclaration(node)) aliases.set(node.name.text, node);
    });
    for (const name of names) {
      const alias = aliases.get(name);
      if (!alias) throw new Error(`rivet-spec: ${name} is not declared in ${file}`);
      definitions[name] = toSchema(checker, checker.getTypeAtLocation(alias.name), name);
    }
  }
  const version = JSON.parse(readFileSync(join(RIVET, 'package.json'), 'utf8')).version;
  return {
    $comment: `Generated by scripts/rivet-spec.mjs from @zoom/rivet ${version} (Zoom's typed Node SDK, github.com/zoom/rivet-javascript). Do not edit.`,
    rivetVersion: version,
    definitions,
  };
}

export function specText() {
  return `${JSON.stringify(rivetSchemas(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SPEC_FILE, specText());
  console.log(`wrote ${SPEC_FILE}`);
}
