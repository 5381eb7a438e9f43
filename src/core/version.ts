/** The callvault version, reported by `callvault version`, the IPC hello and `status`. */
export const VERSION = '0.1.0';
