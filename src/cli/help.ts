import { COMMANDS } from './commands.js';

// `callvault help [command]` and `callvault <command> --help`: one place for every command's
// help, the viewers' (from their table in commands.ts) and the parts' that src/main.ts runs.

export interface PartHelp {
  summary: string;
  usage: string;
  /** What the options mean, one line each. */
  details: string[];
}

/** Commands the router in src/main.ts runs itself (other parts of callvault). */
export const PARTS: Record<string, PartHelp> = {
  daemon: {
    summary: 'Run the daemon in the foreground (normally started at login)',
    usage: 'callvault daemon',
    details: [
      'Takes no options: it reads config.json in the config folder (see the README, "Configuration").',
      'Exit codes: 0 stopped, or one is running already; 1 could not start; 2 bad config.',
    ],
  },
  service: {
    summary: 'install | uninstall | status: start the daemon (and the tray) at login',
    usage: 'callvault service install | uninstall | status',
    details: [
      'install    start the daemon at login, and now; on Linux also the tray when the desktop session starts',
      'uninstall  undo install (your data stays until you purge it)',
      'status     what is installed, and what the service manager says of it',
    ],
  },
  tray: {
    summary: 'Run the tray menu (the daemon starts it when a display exists)',
    usage: 'callvault tray',
    details: ['Shows the callvault icon and menu in the system tray; waits for the daemon when it is not running yet.'],
  },
  sim: {
    summary: 'Run the Zoom simulator',
    usage: 'callvault sim [--port N] [--seed S] [--plan free|pro|business] [--dataset small|year] [--users N] [--webhook-url URL --webhook-secret SECRET] [--client-id ID]',
    details: ['Prints one JSON line (url, client id, user ids) once it listens; Ctrl-C stops it.'],
  },
  relay: {
    summary: "Run the vendor's relay",
    usage:
      'callvault relay --config relay.json [--port N] [--data-dir D]\n       callvault relay --print-public-key [--data-dir D] [--config relay.json]\n       callvault relay migrate --config relay.json [--data-dir D]\n       callvault relay report --config relay.json [--data-dir D] [--since DATE] [--format json|csv]',
    details: [
      '--config            webhookSecretToken, adminToken, zoomApiUrl, leaseDays, host, ledger, keyFile, metricsToken (see the README, "The relay")',
      '--print-public-key  the key that the daemon config pins as relay.publicKey',
      'migrate             bring the ledger schema up to date (every start does it too)',
      'report              the auditor\'s report: every deauthorization and each device\'s state; exit 3 when a device is past its deadline',
    ],
  },
  demo: {
    summary: 'The demo: simulator, relay and daemon with a connected account',
    usage: 'callvault demo\n       callvault demo deauth',
    details: [
      'demo         what npm start runs: everything under ./.demo (or CALLVAULT_HOME) until Ctrl-C',
      'demo deauth  from a second terminal: remove the app at the simulated Zoom and watch the wipe',
    ],
  },
  api: {
    summary: 'The IPC contract for local apps (OpenRPC), no daemon needed',
    usage: 'callvault api schema | reference',
    details: ['schema     the contract as an OpenRPC 1.3 JSON document', 'reference  the same as a readable reference (Markdown, as docs/ipc.md)'],
  },
  version: {
    summary: 'Print the version',
    usage: 'callvault version',
    details: [],
  },
};

export function helpText(): string {
  const width = Math.max(...[...Object.keys(COMMANDS), ...Object.keys(PARTS)].map((n) => n.length));
  const lines = ['callvault: an offline copy of your Zoom history that deletes itself when it must', '', 'Viewing and acting (talk to the running daemon):'];
  for (const [name, command] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(width)}  ${command.summary}`);
  lines.push('', 'Running the parts:');
  for (const [name, part] of Object.entries(PARTS)) lines.push(`  ${name.padEnd(width)}  ${part.summary}`);
  lines.push('', "Run 'callvault help <command>' for a command's options. Exit codes: 0 ok, 1 error, 2 usage, 3 daemon not running.");
  return lines.join('\n');
}

/** One command's help, or null when there is no such command. */
export function commandHelp(name: string): string | null {
  const viewer = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (viewer) return `${viewer.summary}\n\nusage: ${viewer.usage}`;
  const part = Object.hasOwn(PARTS, name) ? PARTS[name] : undefined;
  if (!part) return null;
  return [`${part.summary}`, '', `usage: ${part.usage}`, ...(part.details.length > 0 ? ['', ...part.details.map((line) => `  ${line}`)] : [])].join('\n');
}
