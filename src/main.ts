// The `callvault` command router: like Tailscale's cmd/, the one place that may start any part.
// Viewers (the CLI, the tray) reach the daemon only through src/ipc/client.
import { VERSION } from './core/version.js';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case '--version':
    case 'version':
      process.stdout.write(`callvault ${VERSION}\n`);
      return 0;
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
