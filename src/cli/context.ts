import { connectIpc, describeClientError, type IpcClient } from '../ipc/client.js';
import type { ApiError } from '../core/errors.js';
import type { Result } from '../core/result.js';
import { usageLine } from '../platform/commandLine.js';
import { ipcEndpoint } from '../platform/instance.js';
import { resolvePaths } from '../platform/paths.js';

export const EXIT = { ok: 0, error: 1, usage: 2, notRunning: 3 } as const;

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Ends `watch` and `sync --wait`; by default SIGINT. */
  signal?: AbortSignal;
  now(): number;
}

/** A usage mistake: the message says what was wrong; exit code 2. */
export class UsageError extends Error {}

export class Cli {
  constructor(readonly io: CliIo) {}

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  error(text: string): void {
    this.io.stderr.write(`callvault: ${text}\n`);
  }

  /** A usage mistake: one line naming the problem and the help to read; exit code 2. */
  usage(command: string, problem: string): number {
    this.io.stderr.write(`${usageLine(command, problem)}\n`);
    return EXIT.usage;
  }

  json(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }

  /** Connects to the daemon; on failure prints why (and how to start it) and gives the exit code. */
  async connect(): Promise<IpcClient | number> {
    const connected = await connectIpc({ ...ipcEndpoint(resolvePaths()), reconnect: false, timeoutMs: 5000 });
    if (connected.ok) return connected.value;
    if (connected.error.kind === 'not-running') {
      this.error('the daemon is not running. Start it with: callvault daemon   (or at login: callvault service install)');
      return EXIT.notRunning;
    }
    this.error(describeClientError(connected.error));
    return EXIT.error;
  }

  /** Prints an API error and gives exit code 1, or returns the value. */
  check<T>(result: Result<T, ApiError>): T | number {
    if (result.ok) return result.value;
    this.error(`${result.error.code}: ${result.error.message}`);
    return EXIT.error;
  }
}
