import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { err, ok, type Result } from '../core/result.js';

export type BodyError = 'too-large' | 'aborted';

/**
 * Reads the whole body, or stops at `limit` bytes: a declared length over the limit is refused
 * before a byte is read, and a stream that grows past it is dropped, so nothing is held beyond it.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Result<Buffer, BodyError>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve(err('too-large'));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Result<Buffer, BodyError>): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.pause();
        finish(err('too-large'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(ok(Buffer.concat(chunks, size)));
    // 'close' before 'end': the client went away mid-body.
    const onError = (): void => finish(err('aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onError);
  });
}

export interface JsonReply {
  status: number;
  /** Sent as JSON, or as it is when `contentType` is set (a string). */
  body: unknown;
  /** The request body was not read to its end: the rest is read and thrown away after the answer. */
  unreadBody?: boolean;
  contentType?: string;
  headers?: Record<string, string>;
}

export function reply(status: number, body: unknown): JsonReply {
  return { status, body };
}

export function errorReply(status: number, code: string, message: string): JsonReply {
  return { status, body: { error: { code, message } } };
}

/** A non-JSON answer: Prometheus text, CSV. */
export function textReply(status: number, contentType: string, text: string, headers?: Record<string, string>): JsonReply {
  return { status, body: text, contentType, headers };
}

export function writeJson(res: ServerResponse, r: JsonReply): void {
  const text = r.contentType === undefined ? JSON.stringify(r.body) : String(r.body);
  const headers: Record<string, string | number> = {
    ...r.headers,
    'content-type': r.contentType ?? 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  };
  res.writeHead(r.status, headers);
  res.end(text);
}

/**
 * How much of a refused body is read and thrown away after the answer before the connection is cut.
 * Closing at once would make the kernel reset a connection the client is still writing to, and a
 * reset can erase the answer before the client reads it (RFC 9112 section 9.6): a client that sent
 * a declared body this large reads the answer; one that streams without end is cut off here.
 */
const DISCARD_LIMIT_BYTES = 8 * 1024 * 1024;

/** Reads and drops the rest of a body the handler refused, after its answer was written. */
export function discardUnreadBody(req: IncomingMessage): void {
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) req.socket.destroy();
  });
  req.resume();
}

export function bearerOf(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1] ?? null;
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compares secrets in constant time; hashing first gives equal lengths whatever was sent. */
export function secretEquals(presented: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(presented).digest(), createHash('sha256').update(expected).digest());
}

/** JSON.parse without throwing: null for malformed text. */
export function parseJson(raw: Buffer | string): { value: unknown } | null {
  try {
    return { value: JSON.parse(raw.toString()) as unknown };
  } catch {
    return null;
  }
}
