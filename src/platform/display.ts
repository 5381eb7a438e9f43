/**
 * Whether a graphical session is there to show a tray icon in. The daemon asks before it spawns
 * `callvault tray`: on Linux and the BSDs an X11 or Wayland display must be named in the
 * environment (a daemon started by systemd before the desktop session has neither); macOS and
 * Windows always run a user's agents inside their session.
 */
export function hasDisplay(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}
