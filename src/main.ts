// The `callvault` command router: like Tailscale's cmd/, the one place that may start any part.
// Viewers (the CLI, the tray) reach the daemon only through src/ipc/client.
import { VERSION } from './core/version.js';
import { asksForHelp, parseWords, usageLine } from './platform/commandLine.js';

/** The commands this router runs; every other word goes to the viewer CLI. */
const PARTS = new Set(['daemon', 'sim', 'relay', 'tray', 'service', 'demo', 'api', 'version']);

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `callvault <part> --help` is answered here, before the part loads (the daemon loads SQLite).
  if (command !== undefined && PARTS.has(command) && asksForHelp(rest)) return (await import('./cli/main.js')).runHelp(command, process);
  switch (command) {
    case '--version':
    case 'version':
      return printVersion(rest);
    case 'daemon':
      return (await import('./daemon/command.js')).runDaemonCommand(rest);
    case 'sim':
      return (await import('./sim/cli.js')).runSimCommand(rest);
    case 'relay':
      return (await import('./relay/cli.js')).runRelayCommand(rest);
    case 'tray':
      return (await import('./tray/main.js')).runTray(rest);
    case 'service':
      return (await import('./platform/service.js')).runServiceCommand(rest);
    case 'api':
      return (await import('./cli/api.js')).runApiCommand(rest);
    case 'demo':
      return (await import('./demo/command.js')).runDemoCommand(rest);
    default:
      // Viewers load only what they need: the CLI never loads the daemon, SQLite or the simulator.
      return (await import('./cli/main.js')).runCli(argv);
  }
}

function printVersion(words: string[]): number {
  const parsed = parseWords(words, {}, false);
  if (!parsed.ok) {
    process.stderr.write(`${usageLine('version', parsed.error)}\n`);
    return 2;
  }
  process.stdout.write(`callvault ${VERSION}\n`);
  return 0;
}
