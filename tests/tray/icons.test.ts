import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ICON_SIZE, ICON_STATES, trayIcon } from '../../src/tray/icons.js';
import { PNG_SIGNATURE } from '../../src/tray/png.js';

interface Decoded {
  width: number;
  height: number;
  pixel(x: number, y: number): [number, number, number, number];
}

/** A strict reader of the PNGs the tray writes (8-bit RGBA, unfiltered), checking every CRC. */
function decodePng(png: Buffer): Decoded {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  const chunks = new Map<string, Buffer>();
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    const crc = png.readUInt32BE(at + 8 + length);
    expect(crc, `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    chunks.set(type, data);
    at += 12 + length;
  }
  const ihdr = chunks.get('IHDR');
  const idat = chunks.get('IDAT');
  if (!ihdr || !idat || !chunks.has('IEND')) throw new Error('missing chunk');
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect([ihdr[8], ihdr[9]]).toEqual([8, 6]);
  const raw = inflateSync(idat);
  expect(raw.length).toBe(height * (width * 4 + 1));
  return {
    width,
    height,
    pixel(x, y) {
      const at = y * (width * 4 + 1) + 1 + x * 4;
      return [raw[at] ?? -1, raw[at + 1] ?? -1, raw[at + 2] ?? -1, raw[at + 3] ?? -1];
    },
  };
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('tray icons', () => {
  it('are 32x32 PNGs: a disc with a white ring, transparent corners', () => {
    for (const state of ICON_STATES) {
      const icon = decodePng(Buffer.from(trayIcon(state, 'linux'), 'base64'));
      expect([icon.width, icon.height]).toEqual([ICON_SIZE, ICON_SIZE]);
      expect(icon.pixel(0, 0)[3], `${state} corner`).toBe(0);
      // A point on the ring, 22% of the size from the centre: white on a disc, grey when hollow.
      const ring = icon.pixel(Math.round(ICON_SIZE * 0.72), ICON_SIZE / 2);
      expect(ring, `${state} ring`).toEqual(state === 'disconnected' ? [0x8a, 0x8f, 0x98, 255] : [255, 255, 255, 255]);
    }
  });

  it('differ by state, so the state shows at a glance', () => {
    const centres = ICON_STATES.map((state) => decodePng(Buffer.from(trayIcon(state, 'linux'), 'base64')).pixel(ICON_SIZE / 2, ICON_SIZE / 2).join(','));
    // Each disc has its own colour; "disconnected" is a hollow ring with a transparent centre.
    expect(new Set(centres).size).toBe(ICON_STATES.length);
    expect(decodePng(Buffer.from(trayIcon('disconnected', 'linux'), 'base64')).pixel(ICON_SIZE / 2, ICON_SIZE / 2)[3]).toBe(0);
    expect(decodePng(Buffer.from(trayIcon('synced', 'linux'), 'base64')).pixel(ICON_SIZE / 2, ICON_SIZE / 2)).toEqual([0x2e, 0x9b, 0x4f, 255]);
  });

  it('are ICO files holding the same PNG on Windows', () => {
    const ico = Buffer.from(trayIcon('error', 'win32'), 'base64');
    const png = Buffer.from(trayIcon('error', 'linux'), 'base64');
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 1]);
    expect([ico[6], ico[7], ico.readUInt16LE(12)]).toEqual([ICON_SIZE, ICON_SIZE, 32]);
    const size = ico.readUInt32LE(14);
    const offset = ico.readUInt32LE(18);
    expect(ico.subarray(offset, offset + size)).toEqual(png);
    expect(offset + size).toBe(ico.length);
  });
});
