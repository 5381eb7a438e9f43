import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Simulator } from '../../src/sim/index.js';
import { BIN, REPO, type Home } from '../helpers/daemonHarness.js';

/** What one run of the real `callvault` command did. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A run that outlives this is stuck: it is killed (by its pid) so the test fails instead of hanging. */
const RUN_TIMEOUT_MS = 30_000;

/** The compiled CLI must exist: `npm test` builds it; alone, run `node scripts/build.mjs` first. */
export function requireBuild(): void {
  if (!existsSync(join(REPO, 'dist', 'main.js'))) throw new Error('dist/ is missing: run `node scripts/build.mjs` before these tests');
}

/**
 * Runs `callvault <args>` as a child process under `home`, stdin and stdout being pipes (not a
 * terminal). Every run's stderr is kept in `stderrLog` so a test can scan all of them at the end.
 */
export class CliRunner {
  readonly stderrLog: string[] = [];

  constructor(private readonly home: Home) {}

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, CALLVAULT_HOME: this.home.dir };
  }

  run(...args: string[]): Promise<CliRun> {
    return this.runCommand(process.execPath, [BIN, ...args]);
  }

  /** Runs the CLI inside a pseudo-terminal (util-linux `script`), so stdout is a TTY. */
  runOnTerminal(...args: string[]): Promise<CliRun> {
    const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
    return this.runCommand('script', ['--quiet', '--return', '--command', command, '/dev/null']);
  }

  /**
   * Starts the CLI inside a pseudo-terminal and keeps its input open: what the test writes to
   * `child.stdin` is typed on the terminal (`\x03` is Ctrl-C).
   */
  startOnTerminal(...args: string[]): RunningCli {
    const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
    const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
    return new RunningCli(child, this.stderrLog);
  }

  /** Starts a long-running command (`watch`); the caller ends it by its pid. */
  start(...args: string[]): RunningCli {
    const child = spawn(process.execPath, [BIN, ...args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    return new RunningCli(child, this.stderrLog);
  }

  private runCommand(file: string, args: string[]): Promise<CliRun> {
    const child = spawn(file, args, { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        killQuietly(child);
        reject(new Error(`callvault ${args.join(' ')} did not end within ${RUN_TIMEOUT_MS} ms`));
      }, RUN_TIMEOUT_MS);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        this.stderrLog.push(stderr);
        resolve({ code, stdout, stderr });
      });
    });
  }
}

/** A CLI child that runs until stopped (watch). */
export class RunningCli {
  stdout = '';
  stderr = '';
  readonly exit: Promise<number | null>;

  constructor(
    readonly child: ChildProcess,
    stderrLog: string[],
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exit = new Promise((resolve) =>
      child.once('close', (code) => {
        stderrLog.push(this.stderr);
        resolve(code);
      }),
    );
  }

  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`no output matching ${pattern} within ${timeoutMs} ms; got: ${this.stdout}`);
      await sleep(20);
    }
  }

  /** Resolves with the exit code, or null when the child is still running after `timeoutMs`. */
  async exitWithin(timeoutMs: number): Promise<number | null | 'running'> {
    return Promise.race([this.exit, sleep(timeoutMs).then(() => 'running' as const)]);
  }

  kill(): void {
    killQuietly(this.child);
  }
}

/** Every string the simulator knows as a user's content or credentials: canaries and issued tokens. */
export function zoomSecrets(sim: Simulator): string[] {
  return sim.admin.users().flatMap((user) => [...user.canaries, user.email, ...sim.admin.issuedTokens(user.userId)]);
}

/** The text of every file under `dir` (recursively). */
export function filesText(dir: string): Array<{ path: string; text: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path, text: readFileSync(path, 'utf8') };
    });
}

function killQuietly(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Polls an asynchronous probe (the harness's waitFor takes a synchronous one). */
export async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
