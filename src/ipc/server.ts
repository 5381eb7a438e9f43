import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { apiError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { checkRuntimeDir, checkSocketPath, isNamedPipe, PIPE_PREFIX, type InstanceError } from '../platform/instance.js';
import type { Logger } from '../platform/logger.js';
import { Connection } from './connection.js';
import { frameOf } from './frames.js';
import { notificationText } from './jsonrpc.js';
import { DEFAULT_IPC_LIMITS, limitOf, type IpcLimits } from './limits.js';
import { createNodeIpc, type NodeIpcInstance, type NodeIpcSocketServer } from './nodeIpc.js';
import { EVENTS, PROTOCOL_VERSION, type EventDataOf, type Topic } from './protocol.js';
import { RefusalLog } from './refusalLog.js';
import { createRouter, type Handlers } from './router.js';
import { codeOf, newToken, writeTokenFile } from './token.js';

// The daemon's IPC listener. Call it only after acquireInstance (src/platform/instance.ts) and
// after the start-up wipe step: the socket does not exist before this call, and the returned
// promise resolving is the moment clients can connect.

/** node-ipc closes connections over its own cap silently; ours decide, so its cap sits well above. */
const NODE_IPC_CAP_FACTOR = 4;

export interface IpcServerOptions {
  socketPath: string;
  tokenFile: string;
  handlers: Handlers;
  log: Logger;
  /** The daemon's version, reported by hello and status. */
  version: string;
  limits?: Partial<IpcLimits>;
  /** Times the hello and partial-frame deadlines and the refusal log, and stamps serverTime. */
  clock?: Clock;
  /** Events that hold right now for `topic`, sent to each connection that subscribes to it. */
  holding?: (topic: Topic) => readonly unknown[];
  /** Check handler results and published events against their schemas (tests, development). */
  validateResults?: boolean;
}

export type IpcServerError = InstanceError | { kind: 'socket-exists'; path: string } | { kind: 'listen-failed'; path: string; code: string };

export interface IpcServer {
  readonly socketPath: string;
  /** Authenticated and unauthenticated connections open right now (closing ones included). */
  readonly connectionCount: number;
  /** Connections in each pool: those past hello, and those not yet. */
  readonly pools: { authenticated: number; unauthenticated: number };
  /** Pushes an event to every connection subscribed to `topic`. */
  publish<T extends Topic>(topic: T, data: EventDataOf<T>): void;
  /** Stops accepting, closes every connection, removes the socket and token files. Idempotent. */
  close(): Promise<void>;
}

export async function startIpcServer(options: IpcServerOptions): Promise<Result<IpcServer, IpcServerError>> {
  const { socketPath, tokenFile, log } = options;
  const limits: IpcLimits = { ...DEFAULT_IPC_LIMITS, ...options.limits };
  const clock = options.clock ?? systemClock;
  const pipe = isNamedPipe(socketPath);

  const pathOk = checkSocketPath(socketPath);
  if (!pathOk.ok) return pathOk;
  const privateDirs = new Set([dirname(tokenFile)]);
  if (!pipe) privateDirs.add(dirname(socketPath));
  for (const dir of privateDirs) {
    const dirOk = checkRuntimeDir(dir);
    if (!dirOk.ok) return dirOk;
  }
  // Never replace a socket file here: only acquireInstance knows whether it is stale.
  if (!pipe && exists(socketPath)) return err({ kind: 'socket-exists', path: socketPath });

  const router = createRouter({ handlers: options.handlers, log, validateResults: options.validateResults ?? false });
  const token = newToken();
  const written = writeTokenFile(tokenFile, token);
  if (!written.ok) return err({ kind: 'io', path: tokenFile, code: written.error });

  const ipc = createNodeIpc({ encoding: 'latin1', maxConnections: (limits.maxConnections + limits.maxUnauthenticated) * NODE_IPC_CAP_FACTOR });
  const connections = new Map<Socket, Connection>();
  // Two pools (issue 16 §3): connections that have not said hello never take the place of those
  // that have. Sets keep insertion order, so the first unauthenticated one is the oldest.
  const unauthenticated = new Set<Connection>();
  const authenticated = new Set<Connection>();
  const refusals = new RefusalLog(log, clock);
  let nextId = 1;
  const hello = () => ({ protocol: PROTOCOL_VERSION, daemonVersion: options.version, serverTime: clock.now() });
  const holding = (topic: Topic): readonly unknown[] => {
    const events = options.holding?.(topic) ?? [];
    if (options.validateResults && events.some((data) => !EVENTS[topic].safeParse(data).success)) throw new Error(`IPC event ${topic} does not match its schema`);
    return events;
  };
  const released = (connection: Connection): void => {
    unauthenticated.delete(connection);
    authenticated.delete(connection);
  };
  const admit = (connection: Connection): Result<void, ReturnType<typeof apiError>> => {
    unauthenticated.delete(connection);
    if (authenticated.size >= limits.maxConnections) {
      refusals.note('maxConnections');
      return err(apiError('BUSY', `more than ${limits.maxConnections} connections`, limitOf(limits, 'maxConnections')));
    }
    authenticated.add(connection);
    return ok(undefined);
  };

  const listened = await listen(ipc, pipe ? socketPath.slice(PIPE_PREFIX.length) : socketPath, (server) => {
    server.on('connect', (socket) => {
      const refused = (reason: string): void => refusals.note(reason);
      const connection = new Connection({ id: nextId++, socket, router, token, hello, limits, clock, log, admit, holding, released, refused });
      connections.set(socket, connection);
      socket.once('close', () => {
        connection.dispose();
        connections.delete(socket);
      });
      // A full pool makes room for the newcomer: a client that connects to say hello at once gets
      // its turn, however many connections others leave silent.
      if (unauthenticated.size >= limits.maxUnauthenticated) {
        const oldest = unauthenticated.values().next().value;
        if (oldest) {
          refusals.note('maxUnauthenticated');
          oldest.refuse(apiError('BUSY', `closed for a newer connection: more than ${limits.maxUnauthenticated} connections waiting for hello`, limitOf(limits, 'maxUnauthenticated')));
        }
      }
      unauthenticated.add(connection);
    });
    // node-ipc converted the bytes to a latin1 string and back: a lossless round trip.
    server.on('data', (data, socket) => connections.get(socket)?.receive(data));
  });
  if (!listened.ok) {
    removeQuietly(tokenFile);
    return err({ kind: 'listen-failed', path: socketPath, code: listened.error });
  }
  const netServer = listened.value;

  if (!pipe) {
    try {
      // The folder is 0700 already; the socket's own mode is the second lock on the door.
      chmodSync(socketPath, 0o600);
    } catch (error) {
      netServer.close();
      removeQuietly(tokenFile);
      return err({ kind: 'io', path: socketPath, code: codeOf(error) });
    }
  }
  log.info({ protocol: PROTOCOL_VERSION }, 'IPC server listening');

  let closing: Promise<void> | null = null;
  const server: IpcServer = {
    socketPath,
    get connectionCount() {
      return connections.size;
    },
    get pools() {
      return { authenticated: authenticated.size, unauthenticated: unauthenticated.size };
    },
    publish(topic, data) {
      if (options.validateResults && !EVENTS[topic].safeParse(data).success) {
        throw new Error(`IPC event ${topic} does not match its schema`);
      }
      const frame = frameOf(notificationText(topic, data));
      for (const connection of connections.values()) connection.deliver(topic, frame);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        refusals.stop();
        netServer.close(() => {
          if (!pipe) removeQuietly(socketPath);
          removeQuietly(tokenFile);
          log.info('IPC server closed');
          resolve();
        });
        for (const connection of connections.values()) connection.destroy();
      });
      return closing;
    },
  };
  return ok(server);
}

type NetServer = Exclude<NodeIpcSocketServer['server'], false>;

function listen(ipc: NodeIpcInstance, path: string, wire: (server: NodeIpcSocketServer) => void): Promise<Result<NetServer, string>> {
  return new Promise((resolve) => {
    let started = false;
    ipc.serve(path);
    const server = ipc.server;
    if (!server) throw new Error('node-ipc did not create a server');
    server.on('start', () => {
      started = true;
      if (server.server) resolve(ok(server.server));
    });
    server.on('error', (error) => {
      // Before 'start' an error can only be the listen failing; later ones belong to single
      // sockets (a client vanishing mid-write) and are the connection's business.
      if (!started) resolve(err(codeOf(error)));
    });
    wire(server);
    server.start();
  });
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: the goal of the call.
  }
}
