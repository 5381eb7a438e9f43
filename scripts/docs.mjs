// `npm run docs`: writes the published IPC contract from the method table (in dist/, so build
// first): docs/openrpc.json (shipped in the package as callvault/openrpc.json) and docs/ipc.md.
// tests/ipc/contract.test.ts fails when either is stale.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRpcDocument, openRpcText } from '../dist/ipc/openrpc.js';
import { renderReference } from '../dist/ipc/openrpcMarkdown.js';

const docs = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');
writeFileSync(join(docs, 'openrpc.json'), openRpcText());
writeFileSync(join(docs, 'ipc.md'), renderReference(openRpcDocument()));
process.stdout.write('wrote docs/openrpc.json and docs/ipc.md\n');
