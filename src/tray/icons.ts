import { encodePng, pngToIco, type Bitmap, type Rgba } from './png.js';

// One icon per tray state: a coloured disc with a white ring (a vault's dial), drawn at 4x and
// averaged down so the edges are smooth. "Not connected to the daemon" is the ring alone, in grey.

export const ICON_STATES = ['synced', 'syncing', 'offline', 'needs-sign-in', 'error', 'idle', 'disconnected'] as const;
export type IconState = (typeof ICON_STATES)[number];

export const ICON_SIZE = 32;
const SUPERSAMPLE = 4;

const COLOURS: Record<IconState, Rgba> = {
  synced: { r: 0x2e, g: 0x9b, b: 0x4f, a: 255 },
  syncing: { r: 0x2f, g: 0x6f, b: 0xdf, a: 255 },
  offline: { r: 0xd8, g: 0x96, b: 0x14, a: 255 },
  'needs-sign-in': { r: 0xe0, g: 0x6a, b: 0x1b, a: 255 },
  error: { r: 0xd1, g: 0x34, b: 0x2f, a: 255 },
  idle: { r: 0x8a, g: 0x8f, b: 0x98, a: 255 },
  disconnected: { r: 0x8a, g: 0x8f, b: 0x98, a: 255 },
};
const WHITE: Rgba = { r: 255, g: 255, b: 255, a: 255 };
const CLEAR: Rgba = { r: 0, g: 0, b: 0, a: 0 };

/** The colour of one point of the design, in a unit square centred at (0.5, 0.5). */
function paint(state: IconState, x: number, y: number): Rgba {
  const d = Math.hypot(x - 0.5, y - 0.5);
  const ring = d >= 0.17 && d <= 0.27;
  if (state === 'disconnected') return d >= 0.36 && d <= 0.46 ? COLOURS.disconnected : ring ? COLOURS.disconnected : CLEAR;
  if (d > 0.46) return CLEAR;
  return ring ? WHITE : COLOURS[state];
}

export function drawIcon(state: IconState, size = ICON_SIZE): Bitmap {
  const pixels: Rgba[] = [];
  const samples = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const c = paint(state, (px + (sx + 0.5) / SUPERSAMPLE) / size, (py + (sy + 0.5) / SUPERSAMPLE) / size);
          // Premultiplied, so transparent samples do not darken the edge.
          r += c.r * c.a;
          g += c.g * c.a;
          b += c.b * c.a;
          a += c.a;
        }
      }
      pixels.push(a === 0 ? CLEAR : { r: Math.round(r / a), g: Math.round(g / a), b: Math.round(b / a), a: Math.round(a / samples) });
    }
  }
  return { width: size, height: size, pixels };
}

const cache = new Map<string, string>();

/** The icon as systray2 wants it: base64 PNG, or base64 ICO on Windows. */
export function trayIcon(state: IconState, platform: NodeJS.Platform): string {
  const key = `${state}:${platform === 'win32' ? 'ico' : 'png'}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const png = encodePng(drawIcon(state));
  const encoded = (platform === 'win32' ? pngToIco(png, ICON_SIZE, ICON_SIZE) : png).toString('base64');
  cache.set(key, encoded);
  return encoded;
}
