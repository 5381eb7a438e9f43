import { fileURLToPath } from 'node:url';

/** How to start this installation of callvault without relying on PATH: an absolute node and script. */
export interface CallvaultLaunch {
  /** The node binary running now (absolute). */
  node: string;
  /** The absolute path of bin/callvault.js. */
  script: string;
}

/**
 * Login services, the daemon spawning the tray and the tray opening the history viewer all start
 * callvault again. PATH at login (or in a terminal) may not hold this node or this checkout, so the
 * command names both absolutely. The script sits two folders up from this module in src/ and in dist/.
 */
export function callvaultLaunch(): CallvaultLaunch {
  return { node: process.execPath, script: fileURLToPath(new URL('../../bin/callvault.js', import.meta.url)) };
}
