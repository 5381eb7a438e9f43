/**
 * `callvault/client`: the typed client for any Node app (the CLI and the tray use the same one).
 *
 *   import { connectIpc, daemonEndpoint, describeClientError } from 'callvault/client';
 *   const connected = await connectIpc({ ...daemonEndpoint(), reconnect: true });
 *   if (!connected.ok) throw new Error(describeClientError(connected.error));
 *   const page = await connected.value.call('meetings.list', { limit: 20 });
 */
import { ipcEndpoint, type IpcEndpoint } from '../platform/instance.js';
import { resolvePaths } from '../platform/paths.js';

export { connectIpc, describeClientError } from './client.js';
export type { ClientError, ConnectionState, ConnectOptions, IpcClient, ParamsArgs, Unsubscribe } from './client.js';
export type { ApiError, ErrorCode } from '../core/errors.js';
export type { Result } from '../core/result.js';

/**
 * Where this user's daemon listens and its token file, found as the daemon finds them: under
 * CALLVAULT_HOME when it is set, else the platform's runtime folder.
 */
export function daemonEndpoint(): IpcEndpoint {
  return ipcEndpoint(resolvePaths());
}
