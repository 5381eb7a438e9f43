import { describe, expect, it } from 'vitest';
import { err, ok } from '../../src/core/result.js';
import { checkShape, FrameDecoder, frameOf, parseFrame } from '../../src/ipc/frames.js';

const MiB = 1024 * 1024;

/** The frames `chunk` completes, as text; throws if the decoder refused it. */
function pushText(decoder: FrameDecoder, chunk: Buffer): string[] {
  const frames = decoder.push(chunk);
  if (!frames.ok) throw new Error(frames.error);
  return frames.value.map((frame) => frame.toString('utf8'));
}

describe('frames', () => {
  it('reassembles frames split anywhere, several per chunk, skipping blank lines and CRs', () => {
    const decoder = new FrameDecoder(MiB);
    const wire = Buffer.from('{"a":1}\n\n{"b":"é"}\r\n{"c":3}\n', 'utf8');
    const out: string[] = [];
    // One byte at a time splits the two-byte "é" too.
    for (const byte of wire) out.push(...pushText(decoder, Buffer.from([byte])));
    expect(out).toEqual(['{"a":1}', '{"b":"é"}', '{"c":3}']);
    expect(pushText(decoder, wire)).toEqual(out);
  });

  it('accepts a frame of exactly the limit and refuses one byte more, holding nothing past the limit', () => {
    const exact = new FrameDecoder(10);
    expect(pushText(exact, Buffer.from('0123456789\n'))).toEqual(['0123456789']);

    const decoder = new FrameDecoder(MiB);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let pushed = 0;
    let outcome = decoder.push(chunk);
    while (outcome.ok) {
      pushed += chunk.length;
      expect(decoder.pendingBytes).toBeLessThanOrEqual(MiB);
      outcome = decoder.push(chunk);
    }
    expect(pushed).toBe(MiB);
    expect(outcome).toEqual(err('frame-too-long'));
    expect(decoder.pendingBytes).toBe(0);
    // The stream is out of step now: even a well-formed frame is refused.
    expect(decoder.push(Buffer.from('{}\n'))).toEqual(err('frame-too-long'));
  });

  it('parses UTF-8 JSON only, and encodes one line per message', () => {
    expect(parseFrame(Buffer.from('{"id":1}'))).toEqual(ok({ id: 1 }));
    expect(parseFrame(Buffer.from('{"id":'))).toEqual(err('not-json'));
    expect(parseFrame(Buffer.from([0x22, 0xff, 0x22]))).toEqual(err('not-json'));
    const frame = frameOf(JSON.stringify({ text: 'line one\nline two\u2028' }));
    expect(frame.indexOf(0x0a)).toBe(frame.length - 1);
    expect(parseFrame(frame.subarray(0, -1))).toEqual(ok({ text: 'line one\nline two\u2028' }));
  });

  it('refuses, before parsing, frames nested or filled beyond any request, ignoring brackets inside strings', () => {
    const limits = { maxDepth: 3, maxValues: 5 };
    const shape = (text: string) => checkShape(Buffer.from(text), limits);
    expect(shape('{"a":{"b":[1]}}')).toEqual(ok(undefined));
    expect(shape('{"a":{"b":[[1]]}}')).toEqual(err('too-deep'));
    expect(shape('[1,2,3,4,5]')).toEqual(ok(undefined));
    expect(shape('[1,2,3,4,5,6]')).toEqual(err('too-many-values'));
    expect(shape('{"q":"[[[[,,,,,,\\"[[[[","r":"\\\\"}')).toEqual(ok(undefined));
    // Malformed JSON is the parser's to refuse.
    expect(shape(']]]{')).toEqual(ok(undefined));
  });
});
