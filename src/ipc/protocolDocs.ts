import { z } from 'zod';
import { EVENTS, METHODS, PROTOCOL_VERSION, type Topic } from './protocol.js';

// The API reference, generated from the same table that drives dispatch and the typed client.

function schemaText(schema: z.ZodType, io: 'input' | 'output'): string {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return JSON.stringify(json, null, 2);
}

export function renderProtocolDocs(): string {
  const lines = [`# callvault IPC protocol v${PROTOCOL_VERSION}`, '', '## Methods', ''];
  for (const def of METHODS.values()) {
    lines.push(`### \`${def.name}\` (${def.access})`, '', def.summary, '');
    lines.push('Params:', '```json', schemaText(def.params, 'input'), '```', '');
    lines.push('Result:', '```json', schemaText(def.result, 'output'), '```', '');
  }
  lines.push('## Events', '');
  for (const topic of Object.keys(EVENTS) as Topic[]) {
    lines.push(`### \`${topic}\``, '', '```json', schemaText(EVENTS[topic], 'output'), '```', '');
  }
  return lines.join('\n');
}
