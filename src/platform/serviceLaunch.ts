import { fileURLToPath } from 'node:url';

/** How to start this installation of callvault without relying on PATH: an absolute node and script. */
export interface CallvaultLaunch {
  /** The node binary running now (absolute). */
  node: string;
  /** The absolute path of bin/callvault.js. */
  script: string;
}

/**
 * Node's options for the long-lived daemon, each measured on an idle daemon after a full sync:
 * - `--max-semi-space-size=1`: V8 grows the young generation up to 16 MiB per semi-space while a
 *   sync allocates fast, and keeps it afterwards: about 50 MB of an idle daemon's memory. A 1 MiB
 *   semi-space keeps it near its start-up size and did not slow a full sync (which waits on Zoom's
 *   rate limits, not on the garbage collector).
 * - `--v8-pool-size=1`: one V8 background thread (garbage collection, compiling) instead of one per
 *   core; each held memory of its own (about 2 MB in all on two cores) for a daemon that is idle
 *   almost always.
 * V8 reads these options only at start, so whatever starts the daemon passes them: the login
 * services, the demo, the benchmark. A `callvault daemon` typed in a terminal runs with Node's
 * defaults.
 */
export const DAEMON_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1'];

/** The command line that starts the daemon: node, its options, the script, `daemon`. */
export function daemonCommand(launch: CallvaultLaunch): string[] {
  return [launch.node, ...DAEMON_NODE_OPTIONS, launch.script, 'daemon'];
}

/** The command line that starts the tray: node, the script, `tray` (Node's defaults: it is a small viewer). */
export function trayCommand(launch: CallvaultLaunch): string[] {
  return [launch.node, launch.script, 'tray'];
}

/**
 * Login services, the daemon spawning the tray and the tray opening the history viewer all start
 * callvault again. PATH at login (or in a terminal) may not hold this node or this checkout, so the
 * command names both absolutely. The script sits two folders up from this module in src/ and in dist/.
 */
export function callvaultLaunch(): CallvaultLaunch {
  return { node: process.execPath, script: fileURLToPath(new URL('../../bin/callvault.js', import.meta.url)) };
}
