// Every limit of the IPC server in one place (go-ethereum keeps its batch and size limits beside its
// codec the same way), as data: the server enforces these values, and the published contract
// (openrpc.ts) lists each one with its unit and meaning, so an app in any language knows them.

interface LimitSpec {
  value: number;
  unit: 'bytes' | 'ms' | 'count';
  description: string;
}

export const LIMITS = {
  maxFrameBytes: {
    value: 1024 * 1024,
    unit: 'bytes',
    description: 'Longest request frame, newline excluded. Checked as bytes arrive, before parsing; a longer frame closes the connection.',
  },
  maxDepth: { value: 16, unit: 'count', description: 'Deepest nesting of objects and arrays in a request frame; a deeper frame is refused unparsed.' },
  maxValues: { value: 1024, unit: 'count', description: 'Objects, arrays and comma-separated values in one request frame; a frame with more is refused unparsed.' },
  maxBatch: { value: 32, unit: 'count', description: 'Requests in one batch (a JSON array of requests); a longer batch is refused whole.' },
  maxInFlight: { value: 32, unit: 'count', description: 'Requests of one connection being answered at once; past it a request is answered BUSY.' },
  maxConnections: { value: 64, unit: 'count', description: 'Authenticated connections (hello done); past it a hello is answered BUSY and the connection closed.' },
  maxUnauthenticated: {
    value: 16,
    unit: 'count',
    description:
      'Connections that have not said hello yet. They have a pool of their own and never take the place of an authenticated connection; when the pool is full, its oldest connection is closed (BUSY) to make room for the newcomer.',
  },
  helloTimeoutMs: { value: 5_000, unit: 'ms', description: 'Time to send a correct hello after connecting; then the connection is closed (UNAUTHORIZED).' },
  partialFrameTimeoutMs: {
    value: 30_000,
    unit: 'ms',
    description: 'Time an unfinished frame may wait for its next byte; then the connection is closed (BAD_REQUEST).',
  },
  maxPendingWriteBytes: {
    value: 16 * 1024 * 1024,
    unit: 'bytes',
    description: 'Answers and events queued to a client that does not read them. Past it the client is sent an error frame naming this limit (BUSY), then closed.',
  },
  closeGraceMs: { value: 5_000, unit: 'ms', description: 'Time a closing connection gets to read its last (error) frame before it is cut.' },
  maxResponseFrameBytes: {
    value: 64 * 1024 * 1024,
    unit: 'bytes',
    description: 'Longest frame the daemon sends: a client may refuse longer ones. Only a bug comes near it.',
  },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;
export type IpcLimits = Record<LimitName, number>;

export const DEFAULT_IPC_LIMITS: Readonly<IpcLimits> = Object.fromEntries(Object.entries(LIMITS).map(([name, spec]) => [name, spec.value])) as IpcLimits;

/** The `limit` an error names: the name the contract uses and the value in force. */
export function limitOf(limits: Readonly<IpcLimits>, name: LimitName): { name: LimitName; value: number } {
  return { name, value: limits[name] };
}

/** "1 MiB" for whole mebibytes, else bytes. */
export function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
