import { openRpcDocument, openRpcText } from '../ipc/openrpc.js';
import { renderReference } from '../ipc/openrpcMarkdown.js';
import { parseWords, usageLine } from '../platform/commandLine.js';

/** `callvault api`: the published IPC contract, without a running daemon. */
export function runApiCommand(args: string[], out: (text: string) => void = (text) => process.stdout.write(text)): number {
  const parsed = parseWords(args, {}, true);
  const what = parsed.ok ? parsed.value.positionals : [];
  const problem = !parsed.ok ? parsed.error : what.length !== 1 || (what[0] !== 'schema' && what[0] !== 'reference') ? 'say schema or reference' : null;
  if (problem !== null) {
    process.stderr.write(`${usageLine('api', problem)}\n`);
    return 2;
  }
  out(what[0] === 'schema' ? openRpcText() : renderReference(openRpcDocument()));
  return 0;
}
