import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname } from 'node:path';
import { err, ok, type Result } from '../core/result.js';
import { parseWords, usageLine } from './commandLine.js';
import { callvaultLaunch } from './serviceLaunch.js';
import { serviceTarget, type ServiceTarget, type Step, type TargetEnv } from './serviceTargets.js';

// `callvault service install | uninstall | status`: starts the daemon at login through the
// platform's own service manager. The file is written by this module; the manager's commands go
// through an injectable runner, so tests never touch the real system.

export type CommandOutcome = { kind: 'exited'; code: number; stdout: string; stderr: string } | { kind: 'not-found' };
export type RunCommand = (command: string, args: readonly string[]) => CommandOutcome;

export interface ServiceIo extends TargetEnv {
  run: RunCommand;
  out: (text: string) => void;
  err: (text: string) => void;
}

const ACTIONS = ['install', 'uninstall', 'status'] as const;
type Action = (typeof ACTIONS)[number];

/** The action asked for, or the one-line problem with the words. */
function readAction(argv: readonly string[]): Result<Action, string> {
  const parsed = parseWords(argv, {}, true);
  if (!parsed.ok) return parsed;
  const [action, extra] = parsed.value.positionals;
  if (action === undefined) return err('say what to do: install, uninstall or status');
  if (!(ACTIONS as readonly string[]).includes(action)) return err(`unknown action '${action}' (install, uninstall or status)`);
  if (extra !== undefined) return err(`unexpected argument '${extra}'`);
  return ok(action as Action);
}

export async function runServiceCommand(argv: readonly string[], io: Partial<ServiceIo> = {}): Promise<number> {
  const full = { ...defaultIo(), ...io };
  const action = readAction(argv);
  if (!action.ok) {
    full.err(`${usageLine('service', action.error)}\n`);
    return 2;
  }
  const target = serviceTarget(full);
  if (target === null) {
    full.err(`callvault service: starting at login is not supported on ${full.platform} (only Linux with systemd, macOS and Windows)\n`);
    return 1;
  }
  switch (action.value) {
    case 'install':
      return install(target, full);
    case 'uninstall':
      return uninstall(target, full);
    case 'status':
      return status(target, full);
  }
}

function defaultIo(): ServiceIo {
  const info = userInfo();
  return {
    platform: process.platform,
    env: process.env,
    home: homedir(),
    uid: info.uid,
    username: info.username,
    cwd: process.cwd(),
    launch: callvaultLaunch(),
    run: runCommand,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}

/** Runs a command without a shell; a program that is not installed is an answer, not an error. */
export function runCommand(command: string, args: readonly string[]): CommandOutcome {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, windowsHide: true });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'not-found' };
  return { kind: 'exited', code: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? (result.error?.message ?? '') };
}

function install(target: ServiceTarget, io: ServiceIo): number {
  try {
    mkdirSync(dirname(target.file), { recursive: true });
    writeFileSync(target.file, target.content, { mode: 0o644 });
  } catch (error) {
    io.err(`callvault service: cannot write ${target.file}: ${codeOf(error)}\n`);
    return 1;
  }
  io.out(`Wrote the ${target.kind} ${target.file}\n`);
  const failed = runSteps(target.enable, io, 'missing-fails');
  if (failed !== null) {
    io.err(`${failed.reason}; callvault will not start at login until these commands run in your session:\n`);
    printSteps(target.enable.slice(failed.index), io);
    io.out('To undo: callvault service uninstall\n');
    return 1;
  }
  io.out('callvault now starts at login, and the daemon was started now.\nTo undo: callvault service uninstall\n');
  return 0;
}

function uninstall(target: ServiceTarget, io: ServiceIo): number {
  if (readFileOrNull(target.file) === null) {
    io.out(`callvault is not installed as a login service (no ${target.file}); nothing to do.\n`);
    return 0;
  }
  // Without the service manager nothing can have been loaded; with it, unloading must work before
  // the file goes, or the manager would keep a service whose file is gone.
  const failed = neverEnabled(target, io) ? null : runSteps(target.disable, io, 'missing-is-fine');
  if (failed !== null) {
    io.err(`${failed.reason}; run these in your session, then \`callvault service uninstall\` again (or remove ${target.file} yourself):\n`);
    printSteps(target.disable.slice(failed.index), io);
    return 1;
  }
  try {
    unlinkSync(target.file);
  } catch (error) {
    io.err(`callvault service: cannot remove ${target.file}: ${codeOf(error)}\n`);
    return 1;
  }
  io.out(`Removed ${target.file}\n`);
  for (const dir of target.ownDirs) removeIfEmpty(dir);
  runSteps(target.afterRemove, io, 'missing-is-fine');
  io.out('callvault no longer starts at login, and the daemon it started was stopped. Your data stays until you purge it.\n');
  return 0;
}

function neverEnabled(target: ServiceTarget, io: ServiceIo): boolean {
  if (!target.neverEnabled) return false;
  const outcome = io.run(target.neverEnabled.step.command, target.neverEnabled.step.args);
  return outcome.kind === 'exited' && firstLine(outcome.stdout) === target.neverEnabled.answer;
}

function status(target: ServiceTarget, io: ServiceIo): number {
  const current = readFileOrNull(target.file);
  io.out(`callvault login service (${target.kind})\n`);
  if (current === null) {
    io.out(`  file: ${target.file} (not installed; run: callvault service install)\n`);
    return 1;
  }
  const state = current.equals(target.content) ? 'installed' : 'installed, but not what install would write now (another node, checkout or CALLVAULT_HOME): run callvault service install again';
  io.out(`  file: ${target.file} (${state})\n`);
  for (const { label, step, show } of target.status) {
    const outcome = io.run(step.command, step.args);
    let answer: string;
    if (outcome.kind === 'not-found') answer = `unknown (${step.command} is not available here)`;
    else if (show === 'exit-code') answer = outcome.code === 0 ? 'yes' : 'no';
    else answer = firstLine(outcome.stdout) || firstLine(outcome.stderr) || `exit code ${outcome.code}`;
    io.out(`  ${label}: ${answer}\n`);
  }
  return 0;
}

/**
 * Runs steps in order and reports each; the first failure stops the rest. A missing program
 * (no systemctl, say) fails an install but means "nothing to unload" to an uninstall.
 */
function runSteps(steps: readonly Step[], io: ServiceIo, missing: 'missing-fails' | 'missing-is-fine'): { index: number; reason: string } | null {
  for (const [index, step] of steps.entries()) {
    const outcome = io.run(step.command, step.args);
    const shown = formatCommand(step, io.platform);
    if (outcome.kind === 'not-found') {
      if (missing === 'missing-is-fine' || step.mayFail) continue;
      return { index, reason: `${step.command} is not available here` };
    }
    if (outcome.code !== 0 && !step.mayFail) {
      const why = firstLine(outcome.stderr) || firstLine(outcome.stdout) || `exit code ${outcome.code}`;
      return { index, reason: `\`${shown}\` failed (${why})` };
    }
    io.out(`Ran: ${shown}\n`);
  }
  return null;
}

function printSteps(steps: readonly Step[], io: ServiceIo): void {
  for (const step of steps) io.err(`  ${formatCommand(step, io.platform)}\n`);
}

/** The command as a person would type it in the platform's shell. */
export function formatCommand(step: { command: string; args: readonly string[] }, platform: NodeJS.Platform): string {
  const quote =
    platform === 'win32'
      ? (word: string): string => (/[\s"]/.test(word) ? `"${word}"` : word)
      : (word: string): string => (/^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);
  return [step.command, ...step.args].map(quote).join(' ');
}

function readFileOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (the user's other units), or gone already: either way not ours to remove.
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}
