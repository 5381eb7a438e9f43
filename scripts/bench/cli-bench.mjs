// The CLI's start from a second terminal, run against the compiled code in dist/:
//   node scripts/bench/cli-bench.mjs
// A real `callvault daemon` (a child process) under a private CALLVAULT_HOME; then `callvault
// status` the way `npm start` tells a person to run it: the two lines it prints pasted into bash
// (an alias to this node and script), the first run and then the median of ten; and, for
// comparison, `node bin/callvault.js status` itself. (`npx callvault` is not measured here: its
// first run depends on npm's cache and the registry; see the README.)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callvaultLaunch } from '../../dist/platform/serviceLaunch.js';
import { shellSetup } from '../../dist/platform/shellWords.js';
import { printWhenRunDirectly } from './table.mjs';

const BIN = fileURLToPath(new URL('../../bin/callvault.js', import.meta.url));
const ROUNDS = 10;

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Runs a command to its end; its wall time in ms. */
function timed(command, args, env) {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, { env, encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return elapsed;
}

async function startDaemon(home) {
  const child = spawn(process.execPath, [BIN, 'daemon'], { env: { ...process.env, CALLVAULT_HOME: home, DISPLAY: '', WAYLAND_DISPLAY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  child.stderr.on('data', (chunk) => (out += chunk));
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the daemon exited (${code}): ${out}`)));
    const poll = setInterval(() => {
      if (!out.includes('callvault daemon running')) return;
      clearInterval(poll);
      resolve();
    }, 10);
  });
  return child;
}

export async function runCliBench() {
  const home = mkdtempSync(join(tmpdir(), 'cv-cli-bench-'));
  const daemon = await startDaemon(home);
  try {
    const env = { PATH: process.env.PATH, HOME: home };
    const script = `${shellSetup(callvaultLaunch(), home, 'linux').join('\n')}\ncallvault status`;
    const pasted = () => timed('bash', ['-O', 'expand_aliases', '-c', script], env);
    const first = pasted();
    const again = Array.from({ length: ROUNDS }, pasted);
    const direct = Array.from({ length: ROUNDS }, () => timed(process.execPath, [BIN, 'status'], { ...env, CALLVAULT_HOME: home }));
    return [
      { name: 'callvault status via the lines npm start prints, first run', value: Math.round(first), unit: 'ms', target: 'well under npx’s 10–43 s first run' },
      { name: `callvault status via the lines npm start prints, median of ${ROUNDS}`, value: Math.round(median(again)), unit: 'ms', target: 'as node bin/callvault.js' },
      { name: `node bin/callvault.js status, median of ${ROUNDS}`, value: Math.round(median(direct)), unit: 'ms' },
    ];
  } finally {
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    daemon.kill('SIGTERM');
    await exited;
    rmSync(home, { recursive: true, force: true });
  }
}

await printWhenRunDirectly(import.meta.url, 'cli', runCliBench);
