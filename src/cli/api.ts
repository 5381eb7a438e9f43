import { openRpcDocument, openRpcText } from '../ipc/openrpc.js';
import { renderReference } from '../ipc/openrpcMarkdown.js';

const USAGE = 'usage: callvault api schema        the IPC contract (OpenRPC 1.3 JSON)\n       callvault api reference     the same as a readable reference (Markdown)';

/** `callvault api`: the published IPC contract, without a running daemon. */
export function runApiCommand(args: string[], out: (text: string) => void = (text) => process.stdout.write(text)): number {
  const [what, ...rest] = args;
  if (rest.length > 0 || (what !== 'schema' && what !== 'reference')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  out(what === 'schema' ? openRpcText() : renderReference(openRpcDocument()));
  return 0;
}
