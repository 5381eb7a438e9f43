// The `callvault` command router: like Tailscale's cmd/, the one place that may start any part.
// Viewers (the CLI, the tray) reach the daemon only through src/ipc/client.

const VERSION = '0.1.0';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case '--version':
    case 'version':
      process.stdout.write(`callvault ${VERSION}\n`);
      return 0;
    default: {
      void rest;
      process.stderr.write(`callvault: unknown command '${command ?? ''}'. Try 'callvault help'.\n`);
      return 2;
    }
  }
}
