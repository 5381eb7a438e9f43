import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname } from 'node:path';
import { err, ok, type Result } from '../core/result.js';
import { parseWords, usageLine } from './commandLine.js';
import { callvaultLaunch } from './serviceLaunch.js';
import { posixWord } from './shellWords.js';
import { runningDaemonPid } from './instance.js';
import { resolvePaths } from './paths.js';
import { serviceSpec, serviceTarget, type ServiceFile, type ServiceTarget, type Step, type TargetEnv } from './serviceTargets.js';

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
  for (const file of [target, ...target.companions]) {
    try {
      mkdirSync(dirname(file.file), { recursive: true });
      writeFileSync(file.file, file.content, { mode: 0o644 });
    } catch (error) {
      io.err(`callvault service: cannot write ${file.file}: ${codeOf(error)}\n`);
      return 1;
    }
    io.out(`Wrote the ${file.kind} ${file.file}\n`);
  }
  const failed = runSteps(target.enable, io, 'missing-fails');
  if (failed.failure !== null) {
    io.err(`${failed.failure.reason}; callvault will not start at login until these commands run in your session:\n`);
    printSteps(target.enable.slice(failed.failure.index), io);
    io.out('To undo: callvault service uninstall\n');
    return 1;
  }
  const tray = target.companions.length > 0 ? ' The tray starts with your desktop session.' : '';
  io.out(`callvault now starts at login, and the daemon was started now.${tray}\nTo undo: callvault service uninstall\n`);
  return 0;
}

function uninstall(target: ServiceTarget, io: ServiceIo): number {
  const installed = [target, ...target.companions].filter((file) => readFileOrNull(file.file) !== null);
  if (installed.length === 0) {
    io.out(`callvault is not installed as a login service (no ${target.file}); nothing to do.\n`);
    return 0;
  }
  // Without the service manager nothing can have been loaded; with it, unloading must work before
  // the file goes, or the manager would keep a service whose file is gone.
  const hasUnit = installed.includes(target);
  const unloaded = !hasUnit || neverEnabled(target, io) ? { failure: null, ran: false } : runSteps(target.disable, io, 'missing-is-fine');
  if (unloaded.failure !== null) {
    io.err(`${unloaded.failure.reason}; run these in your session, then \`callvault service uninstall\` again (or remove ${target.file} yourself):\n`);
    printSteps(target.disable.slice(unloaded.failure.index), io);
    return 1;
  }
  for (const file of installed) {
    try {
      unlinkSync(file.file);
    } catch (error) {
      io.err(`callvault service: cannot remove ${file.file}: ${codeOf(error)}\n`);
      return 1;
    }
    io.out(`Removed ${file.file}\n`);
    for (const dir of file.ownDirs) removeIfEmpty(dir);
  }
  if (hasUnit) runSteps(target.afterRemove, io, 'missing-is-fine');
  io.out(`callvault no longer starts at login.${stoppedWords(unloaded.ran, io)} Your data stays until you purge it.\n`);
  return 0;
}

/**
 * What became of the daemon: stopped by the service manager, or still running (named by pid) when
 * the manager was not asked to stop it (unreachable, or the service never enabled). A daemon
 * started by hand was never the service's to stop.
 */
function stoppedWords(managerStopped: boolean, io: ServiceIo): string {
  // The daemon the service ran: under the CALLVAULT_HOME it was given, made absolute.
  const home = serviceSpec(io).callvaultHome;
  const pid = runningDaemonPid(resolvePaths({ platform: io.platform, env: home === null ? io.env : { ...io.env, CALLVAULT_HOME: home }, home: io.home, uid: io.uid, username: io.username }));
  if (managerStopped) return pid === null ? ' The daemon it started was stopped.' : ` A daemon it did not start still runs (pid ${pid}).`;
  return pid === null ? '' : ` Nothing was stopped: the daemon still runs (pid ${pid}; to stop it: kill ${pid}).`;
}

function neverEnabled(target: ServiceTarget, io: ServiceIo): boolean {
  if (!target.neverEnabled) return false;
  const outcome = io.run(target.neverEnabled.step.command, target.neverEnabled.step.args);
  return outcome.kind === 'exited' && firstLine(outcome.stdout) === target.neverEnabled.answer;
}

function status(target: ServiceTarget, io: ServiceIo): number {
  io.out(`callvault login service (${target.kind})\n`);
  const current = readFileOrNull(target.file);
  if (current === null && target.companions.every((file) => readFileOrNull(file.file) === null)) {
    io.out('  not installed (to start callvault at login: callvault service install)\n');
    return 0;
  }
  for (const file of [target, ...target.companions]) io.out(`  ${file.kind}: ${file.file} (${fileState(file)})\n`);
  if (current === null) return 0;
  for (const { label, step, show } of target.status) {
    const outcome = io.run(step.command, step.args);
    let answer: string;
    if (outcome.kind === 'not-found') answer = `unknown (${step.command} is not available here)`;
    else if (show === 'exit-code') answer = outcome.code === 0 ? 'yes' : 'no';
    else answer = explain(firstLine(outcome.stdout) || firstLine(outcome.stderr) || `exit code ${outcome.code}`);
    io.out(`  ${label}: ${answer}\n`);
  }
  return 0;
}

function fileState(file: ServiceFile): string {
  const current = readFileOrNull(file.file);
  if (current === null) return 'missing: run callvault service install again';
  return current.equals(file.content) ? 'installed' : 'installed, but not what install would write now (another node, checkout or CALLVAULT_HOME): run callvault service install again';
}

/** systemctl's wording when a session has no user manager to talk to, in words that say what it means. */
const NO_USER_BUS = /Failed to connect to (user scope )?bus/i;

function explain(answer: string): string {
  if (!NO_USER_BUS.test(answer)) return answer;
  return `unknown: this session has no systemd user manager to ask (systemctl said "${answer}"; usual over ssh, under sudo or in a container; it runs in your desktop session)`;
}

/**
 * Runs steps in order and reports each; the first failure stops the rest. A missing program
 * (no systemctl, say) fails an install but means "nothing to unload" to an uninstall. `ran` is
 * whether every step was run (none was skipped as missing).
 */
function runSteps(steps: readonly Step[], io: ServiceIo, missing: 'missing-fails' | 'missing-is-fine'): { failure: { index: number; reason: string } | null; ran: boolean } {
  let ran = true;
  for (const [index, step] of steps.entries()) {
    const outcome = io.run(step.command, step.args);
    const shown = formatCommand(step, io.platform);
    if (outcome.kind === 'not-found') {
      ran = false;
      if (missing === 'missing-is-fine' || step.mayFail) continue;
      return { failure: { index, reason: `${step.command} is not available here` }, ran };
    }
    if (outcome.code !== 0 && !step.mayFail) {
      const why = explain(firstLine(outcome.stderr) || firstLine(outcome.stdout) || `exit code ${outcome.code}`);
      return { failure: { index, reason: `\`${shown}\` failed (${why})` }, ran };
    }
    io.out(`Ran: ${shown}\n`);
  }
  return { failure: null, ran };
}

function printSteps(steps: readonly Step[], io: ServiceIo): void {
  for (const step of steps) io.err(`  ${formatCommand(step, io.platform)}\n`);
}

/** The command as a person would type it in the platform's shell. */
export function formatCommand(step: { command: string; args: readonly string[] }, platform: NodeJS.Platform): string {
  const quote = platform === 'win32' ? (word: string): string => (/[\s"]/.test(word) ? `"${word}"` : word) : posixWord;
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
