import { createRequire } from 'node:module';
import type { Server, Socket } from 'node:net';

// A typed view of the part of node-ipc 9.2.1 the server uses (the package ships no types).
// Only this file touches node-ipc; its traps are handled in server.ts:
//   - `serve` unlinks whatever is at the path, so `unlink` is turned off and instance.ts decides;
//   - it has no frame limit and throws on malformed JSON, so `rawBuffer` hands us the bytes;
//   - on Windows it turns the path into \\.\pipe\<path>, so it is given the bare pipe name.

interface NodeIpcConfig {
  silent: boolean;
  rawBuffer: boolean;
  encoding: BufferEncoding;
  unlink: boolean;
  maxConnections: number;
}

export interface NodeIpcSocketServer {
  /** The net.Server, once `start` has created it. */
  server: Server | false;
  start(): void;
  on(event: 'start', handler: () => void): void;
  on(event: 'connect', handler: (socket: Socket) => void): void;
  on(event: 'data', handler: (data: Buffer, socket: Socket) => void): void;
  on(event: 'error', handler: (error: Error) => void): void;
}

export interface NodeIpcInstance {
  config: NodeIpcConfig;
  server: NodeIpcSocketServer | false;
  serve(path: string, callback?: () => void): void;
}

interface NodeIpcModule {
  IPC: new () => NodeIpcInstance;
}

const require = createRequire(import.meta.url);
const nodeIpc = require('node-ipc') as NodeIpcModule;

/** A fresh node-ipc instance (the module's default export is a process-wide singleton). */
export function createNodeIpc(config: Omit<NodeIpcConfig, 'silent' | 'rawBuffer' | 'unlink'>): NodeIpcInstance {
  const ipc = new nodeIpc.IPC();
  Object.assign(ipc.config, { ...config, silent: true, rawBuffer: true, unlink: false });
  return ipc;
}
