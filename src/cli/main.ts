import { parseArgs } from 'node:util';
import { COMMANDS } from './commands.js';
import { Cli, EXIT, UsageError, type CliIo } from './context.js';

/** Commands the router in src/main.ts runs itself (other parts of callvault); listed in help. */
export const OTHER_COMMANDS: Record<string, string> = {
  daemon: 'Run the daemon in the foreground (normally started at login)',
  service: 'install | uninstall | status: start the daemon at login',
  tray: 'Run the tray menu (the daemon starts it when a display exists)',
  sim: 'Run the Zoom simulator (--port N --seed S)',
  relay: "Run the vendor's relay (--port N --config relay.json)",
  demo: 'The demo: simulator, relay and daemon with a connected account',
  api: 'schema | reference: the IPC contract for local apps (OpenRPC), no daemon needed',
  version: 'Print the version',
};

export function helpText(): string {
  const width = Math.max(...[...Object.keys(COMMANDS), ...Object.keys(OTHER_COMMANDS)].map((n) => n.length));
  const lines = ['callvault: an offline copy of your Zoom history that deletes itself when it must', '', 'Viewing and acting (talk to the running daemon):'];
  for (const [name, command] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(width)}  ${command.summary}`);
  lines.push('', 'Running the parts:');
  for (const [name, summary] of Object.entries(OTHER_COMMANDS)) lines.push(`  ${name.padEnd(width)}  ${summary}`);
  lines.push('', "Run 'callvault help <command>' for a command's options. Exit codes: 0 ok, 1 error, 2 usage, 3 daemon not running.");
  return lines.join('\n');
}

function defaultIo(): CliIo {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signal: controller.signal, now: () => Date.now() };
}

/** The viewer commands: each connects to the daemon over IPC. */
export async function runCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const cli = new Cli(io);
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0];
    if (topic && COMMANDS[topic]) cli.out(`${COMMANDS[topic].summary}\n\nusage: ${COMMANDS[topic].usage}`);
    else cli.out(helpText());
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    cli.error(`unknown command '${name}'. Try 'callvault help'.`);
    return EXIT.usage;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (e) {
    cli.error(`${name}: ${(e as Error).message}\nusage: ${command.usage}`);
    return EXIT.usage;
  }
  const client = await cli.connect();
  if (typeof client === 'number') return client;
  try {
    return await command.run(cli, client, parsed.values, parsed.positionals);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    cli.error(`${e.message}\nusage: ${command.usage}`);
    return EXIT.usage;
  } finally {
    await client.close();
  }
}
