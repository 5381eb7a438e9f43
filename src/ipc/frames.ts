import { err, ok, type Result } from '../core/result.js';

// Newline-delimited JSON framing (see jsonrpc.ts). node-ipc 9.2.1 has no frame limit and throws
// on malformed JSON, so the server takes raw bytes from it and frames them here: the limit is
// enforced on bytes as they arrive, before anything is parsed, and nothing is kept past it.

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed = false;

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes of an unfinished frame held right now (never more than the limit). */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * The frames completed by `chunk`. Once a frame passes the limit the decoder drops what it
   * holds and refuses everything after: the stream can no longer be trusted to be in step.
   */
  push(chunk: Buffer): Result<Buffer[], 'frame-too-long'> {
    if (this.failed) return err('frame-too-long');
    const frames: Buffer[] = [];
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      const pieceEnd = end === -1 ? chunk.length : end;
      if (this.buffered + (pieceEnd - start) > this.maxFrameBytes) return this.fail();
      if (end === -1) {
        if (pieceEnd > start) {
          // A copy, so a retained remainder does not pin the whole chunk it came in.
          this.chunks.push(Buffer.from(chunk.subarray(start)));
          this.buffered += pieceEnd - start;
        }
        return ok(frames);
      }
      const frame = this.take(chunk.subarray(start, end));
      if (frame.length > 0) frames.push(frame);
      start = end + 1;
    }
  }

  private take(last: Buffer): Buffer {
    const whole = this.chunks.length === 0 ? last : Buffer.concat([...this.chunks, last]);
    this.chunks = [];
    this.buffered = 0;
    // Tolerate CRLF from hand-typed sessions (nc -U).
    return whole.at(-1) === CARRIAGE_RETURN ? whole.subarray(0, -1) : whole;
  }

  private fail(): Result<Buffer[], 'frame-too-long'> {
    this.failed = true;
    this.chunks = [];
    this.buffered = 0;
    return err('frame-too-long');
  }
}

export interface ShapeLimits {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Objects, arrays and separated values in the whole frame. */
  maxValues: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * A byte scan run before JSON.parse. Parsing allocates an object per bracket: a 20 KB frame of
 * nested brackets becomes megabytes of heap, so a frame shaped like no request of the protocol is
 * refused before it is parsed. Malformed JSON passes here and fails in the parser.
 */
export function checkShape(frame: Buffer, limits: ShapeLimits): Result<void, 'too-deep' | 'too-many-values'> {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < frame.length; i++) {
    const byte = frame[i];
    if (byte === QUOTE) {
      // Skip the string; a backslash escapes the byte after it.
      for (i++; i < frame.length && frame[i] !== QUOTE; i++) if (frame[i] === BACKSLASH) i++;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > limits.maxDepth) return err('too-deep');
      if (++values > limits.maxValues) return err('too-many-values');
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    } else if (byte === COMMA && ++values > limits.maxValues) {
      return err('too-many-values');
    }
  }
  return ok(undefined);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseFrame(frame: Buffer): Result<unknown, 'not-json'> {
  try {
    return ok(JSON.parse(utf8.decode(frame)));
  } catch {
    return err('not-json');
  }
}

/** A frame: the message's JSON text and its newline. */
export function frameOf(text: string): Buffer {
  return Buffer.from(`${text}\n`, 'utf8');
}
