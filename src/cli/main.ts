import { asksForHelp, parseWords } from '../platform/commandLine.js';
import { COMMANDS } from './commands.js';
import { Cli, EXIT, UsageError, type CliIo } from './context.js';
import { commandHelp, helpText } from './help.js';

function defaultIo(): CliIo {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signal: controller.signal, now: () => Date.now() };
}

/** Output only: for help and usage mistakes, which read no input and wait for nothing. */
function quietIo(io: Pick<CliIo, 'stdout' | 'stderr'>): CliIo {
  return { stdout: io.stdout, stderr: io.stderr, stdin: process.stdin, now: () => Date.now() };
}

/** `callvault help [command]`: 0 with the help, 2 for a command that does not exist. */
export function runHelp(topic: string | undefined, io: Pick<CliIo, 'stdout' | 'stderr'>): number {
  const cli = new Cli(quietIo(io));
  if (topic === undefined) {
    cli.out(helpText());
    return EXIT.ok;
  }
  const help = commandHelp(topic);
  if (help === null) return unknownCommand(topic, io);
  cli.out(help);
  return EXIT.ok;
}

function unknownCommand(name: string, io: Pick<CliIo, 'stdout' | 'stderr'>): number {
  new Cli(quietIo(io)).error(`unknown command '${name}'. See: callvault help`);
  return EXIT.usage;
}

/** The viewer commands: each connects to the daemon over IPC. */
export async function runCli(argv: string[], given?: CliIo): Promise<number> {
  // Help and usage mistakes only write; the process's own streams unless the caller gave others.
  const output = given ?? process;
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') return runHelp(undefined, output);
  if (name === 'help') {
    if (rest.length > 1) return new Cli(quietIo(output)).usage('help', `unexpected argument '${rest[1]}'`);
    return runHelp(rest[0], output);
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return unknownCommand(name, output);
  if (asksForHelp(rest)) return runHelp(name, output);
  const parsed = parseWords(rest, command.options, command.positionals ?? false);
  if (!parsed.ok) return new Cli(quietIo(output)).usage(name, parsed.error);
  // Only a command that runs listens for Ctrl-C.
  const cli = new Cli(given ?? defaultIo());
  const client = await cli.connect();
  if (typeof client === 'number') return client;
  try {
    return await command.run(cli, client, parsed.value.flags, parsed.value.positionals);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return cli.usage(name, e.message);
  } finally {
    await client.close();
  }
}
