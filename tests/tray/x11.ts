import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

// A private X server for the tray's end-to-end test: Xvfb, trayer as the tray host, xdotool as
// the user's hand and ImageMagick as the eye. Everything here is started by pid and stopped by pid.

const run = promisify(execFile);

export interface Geometry {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Started {
  child: ChildProcess;
  /** Stops the process by its pid and waits for it to end. */
  stop(): Promise<void>;
}

function started(child: ChildProcess): Started {
  return {
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await ended;
    },
  };
}

/**
 * Xvfb on a display number it picks itself (-displayfd). Two servers starting at the same moment
 * can pick the same free number, and the loser exits: it is started again, which then finds the
 * number taken.
 */
export async function startXvfb(attempts = 3): Promise<Started & { display: string; output: () => string }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1024x768x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  // What it said, for a failure's message.
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const display = await new Promise<string | null>((resolve) => {
    let text = '';
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    fd3.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(`:${text.trim()}`);
    });
    child.once('exit', () => resolve(null));
  });
  if (display !== null) return { ...started(child), display, output: () => output };
  if (attempts > 1) return startXvfb(attempts - 1);
  throw new Error(`Xvfb exited (${child.exitCode ?? child.signalCode}) before naming its display, on each attempt`);
}

export class X11 {
  constructor(readonly display: string) {}

  async xdotool(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run('xdotool', args, { env: { ...process.env, DISPLAY: this.display } });
      return stdout;
    } catch (error) {
      // `search` exits 1 when nothing matches.
      if ((error as { code?: number }).code === 1) return '';
      throw error;
    }
  }

  async windows(...searchArgs: string[]): Promise<Array<{ id: string } & Geometry>> {
    const ids = (await this.xdotool('search', ...searchArgs)).split('\n').filter(Boolean);
    const found: Array<{ id: string } & Geometry> = [];
    for (const id of ids) {
      const shell = await this.xdotool('getwindowgeometry', '--shell', id);
      const value = (name: string): number => Number(new RegExp(`^${name}=(-?\\d+)$`, 'm').exec(shell)?.[1] ?? NaN);
      found.push({ id, x: value('X'), y: value('Y'), width: value('WIDTH'), height: value('HEIGHT') });
    }
    return found;
  }

  /** trayer: a freedesktop system tray on the top right of the screen. */
  startTrayer(): Started & { ended: Promise<string> } {
    const args = ['--edge', 'top', '--align', 'right', '--widthtype', 'pixel', '--width', '96', '--heighttype', 'pixel', '--height', '32', '--SetDockType', 'true', '--transparent', 'false'];
    const child = spawn('trayer', args, { env: { ...process.env, DISPLAY: this.display }, stdio: ['ignore', 'pipe', 'pipe'] });
    // For the message when trayer ends before showing its panel: its code and all it wrote.
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const ended = new Promise<string>((resolve) => child.once('close', (code, signal) => resolve(`${code ?? signal}: ${output}`)));
    return { ...started(child), ended };
  }

  async screenshot(file: string): Promise<void> {
    await run('import', ['-display', this.display, '-window', 'root', file]);
  }

  /** The colours of one column of an image, top to bottom, as #rrggbb. */
  column(file: string, x: number, y: number, height: number): Promise<string[]> {
    return this.pixels(file, { x, y, width: 1, height });
  }

  /** The colours of one row of an image, left to right, as #rrggbb. */
  row(file: string, x: number, y: number, width: number): Promise<string[]> {
    return this.pixels(file, { x, y, width, height: 1 });
  }

  private async pixels(file: string, area: Geometry): Promise<string[]> {
    const { stdout } = await run('convert', [file, '-crop', `${area.width}x${area.height}+${area.x}+${area.y}`, '+repage', '-depth', '8', 'txt:-']);
    return stdout
      .split('\n')
      .slice(1)
      .map((line) => /#[0-9A-Fa-f]{6}/.exec(line)?.[0]?.toLowerCase() ?? '')
      .filter(Boolean);
  }

  /**
   * Crops a screenshot for people to look at: the empty (black) screen around the menu is painted
   * light, and no timestamps go inside, so an unchanged menu gives an unchanged file.
   */
  async crop(from: string, to: string, area: Geometry): Promise<void> {
    const corner = `0,${area.height - 1}`;
    await run('convert', [from, '-crop', `${area.width}x${area.height}+${area.x}+${area.y}`, '+repage', '-fill', '#f4f4f4', '-draw', `color ${corner} floodfill`, '-strip', '-define', 'png:exclude-chunks=date,time', to]);
  }
}

/**
 * The highlighted item of an open menu: the one run of rows whose colour differs from the menu's
 * background, at least `minHeight` tall. Returns where it starts on the screen and how tall it is.
 */
export function highlightedRun(colours: readonly string[], top: number, minHeight = 10): { y: number; height: number } | null {
  const counts = new Map<string, number>();
  for (const c of colours) counts.set(c, (counts.get(c) ?? 0) + 1);
  const background = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  let best: { start: number; length: number } | null = null;
  for (let i = 0; i < colours.length; ) {
    let j = i;
    while (j < colours.length && colours[j] === colours[i]) j++;
    if (colours[i] !== background && j - i >= minHeight && (!best || j - i > best.length)) best = { start: i, length: j - i };
    i = j;
  }
  return best ? { y: top + best.start, height: best.length } : null;
}

/** The vertical middle of the highlighted item on the screen. */
export function highlightedRow(colours: readonly string[], top: number, minHeight = 10): number | null {
  const run = highlightedRun(colours, top, minHeight);
  return run ? run.y + Math.floor(run.height / 2) : null;
}
