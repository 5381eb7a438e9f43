import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Where callvault keeps each kind of file. Every folder is created 0700 by `ensureDirs`. */
export interface AppPaths {
  /** config.json lives here. */
  config: string;
  /** control.db and vaults/. */
  data: string;
  /** pino log files. */
  logs: string;
  /** The IPC socket, its token file and the instance lock. */
  runtime: string;
}

export interface PathEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  uid: number;
  username: string;
}

export function currentPathEnv(): PathEnv {
  const info = userInfo();
  return { platform: process.platform, env: process.env, home: homedir(), uid: info.uid, username: info.username };
}

/**
 * CALLVAULT_HOME puts everything under one folder (tests, demos, several instances side by side);
 * otherwise each platform's conventional folders.
 */
export function resolvePaths(pathEnv: PathEnv = currentPathEnv()): AppPaths {
  const { env, platform, home } = pathEnv;
  const override = env.CALLVAULT_HOME;
  if (override) {
    return {
      config: join(override, 'config'),
      data: join(override, 'data'),
      logs: join(override, 'logs'),
      runtime: join(override, 'run'),
    };
  }
  if (platform === 'darwin') {
    const support = join(home, 'Library', 'Application Support', 'callvault');
    return { config: support, data: support, logs: join(home, 'Library', 'Logs', 'callvault'), runtime: join(support, 'run') };
  }
  if (platform === 'win32') {
    const roaming = env.APPDATA ?? join(home, 'AppData', 'Roaming');
    const local = env.LOCALAPPDATA ?? join(home, 'AppData', 'Local');
    return {
      config: join(roaming, 'callvault'),
      data: join(local, 'callvault', 'data'),
      logs: join(local, 'callvault', 'logs'),
      runtime: join(local, 'callvault', 'run'),
    };
  }
  const xdg = (name: string, fallback: string): string => {
    const value = env[name];
    // The XDG spec says relative paths are invalid and must be ignored.
    return value && value.startsWith('/') ? value : fallback;
  };
  const runtimeBase = xdg('XDG_RUNTIME_DIR', '');
  return {
    config: join(xdg('XDG_CONFIG_HOME', join(home, '.config')), 'callvault'),
    data: join(xdg('XDG_DATA_HOME', join(home, '.local', 'share')), 'callvault'),
    logs: join(xdg('XDG_STATE_HOME', join(home, '.local', 'state')), 'callvault', 'logs'),
    runtime: runtimeBase ? join(runtimeBase, 'callvault') : join('/tmp', `callvault-${pathEnv.uid}`),
  };
}

export function configFile(paths: AppPaths): string {
  return join(paths.config, 'config.json');
}

export function vaultsDir(paths: AppPaths): string {
  return join(paths.data, 'vaults');
}
