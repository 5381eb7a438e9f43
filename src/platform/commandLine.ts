import { parseArgs } from 'node:util';
import { err, ok, type Result } from '../core/result.js';

// Every `callvault` command reads its words through here, so a mistake gets one line in our
// words ("unknown option --sinse") whatever the command, never Node's parseArgs text, which
// explains '--' to someone who mistyped a flag.

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;
export type Flags = Record<string, string | boolean | undefined>;

export interface ParsedWords {
  flags: Flags;
  positionals: string[];
}

/** Whether the words ask for help: `--help` or `-h` anywhere before a `--`. */
export function asksForHelp(words: readonly string[]): boolean {
  const end = words.indexOf('--');
  return (end === -1 ? words : words.slice(0, end)).some((word) => word === '--help' || word === '-h');
}

/**
 * Reads options and positionals; the error is the problem alone ("unknown option --x"), for
 * `usageLine` to put in a sentence. `positionals: false` refuses any.
 */
export function parseWords(words: readonly string[], options: OptionSpec, positionals: boolean): Result<ParsedWords, string> {
  // Non-strict parsing hands back every token, so each mistake is named here rather than by Node.
  const { values, positionals: found, tokens } = parseArgs({ args: [...words], options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (!spec) return err(`unknown option ${token.rawName}`);
    if (spec.type === 'boolean' && token.value !== undefined) return err(`${token.rawName} takes no value`);
    // `--limit --json`: a value that looks like an option is a forgotten value.
    if (spec.type === 'string' && (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))) return err(`${token.rawName} needs a value`);
  }
  if (!positionals && found.length > 0) return err(`unexpected argument '${found[0]}'`);
  return ok({ flags: values as Flags, positionals: found });
}

/** The one line a usage mistake gets: the command, the problem, and where the options are listed. */
export function usageLine(command: string, problem: string, helpTopic = command): string {
  return `callvault ${command}: ${problem}. See: callvault help ${helpTopic}`;
}
