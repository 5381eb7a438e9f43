// What a handler answers, and the plumbing to read a request body and write a reply with node:http.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { err, ok, type Result } from '../core/result.js';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Serialized as JSON. Absent: an empty body. */
  body?: unknown;
  /** Sent as is (with a JSON content type) instead of `body`: lets a fault send broken JSON. */
  rawJson?: string;
}

export function json(status: number, body: unknown): Reply {
  return { status, body };
}

/** Zoom's REST error body. */
export function zoomError(status: number, code: number, message: string): Reply {
  return { status, body: { code, message } };
}

const MAX_BODY_BYTES = 64 * 1024;

export function readBody(req: IncomingMessage): Promise<Result<string, 'too-large' | 'aborted'>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(err('too-large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(ok(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => resolve(err('aborted')));
  });
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  const text = reply.rawJson ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  const headers: Record<string, string | number> = { ...reply.headers, 'Content-Length': Buffer.byteLength(text) };
  if (text) headers['Content-Type'] = 'application/json;charset=UTF-8';
  res.writeHead(reply.status, headers);
  res.end(text);
}
