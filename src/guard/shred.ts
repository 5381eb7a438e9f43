import { closeSync, constants, existsSync, fstatSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const CHUNK = Buffer.alloc(1 << 20);

export interface ShredResult {
  filesRemoved: number;
  bytesRemoved: number;
}

/**
 * Overwrites each file with zeros, flushes it, and unlinks it, then flushes the folder so the
 * unlink is durable. Overwriting matters on the disks where it works (no copy-on-write, no SSD
 * remapping); on the others the unlink is what remains, which is why crypto-shredding is the
 * stronger answer (DESIGN.md, "Honest limit"). Missing files are fine: a wipe resumed after a
 * crash finds some already gone.
 */
export function shredFiles(files: readonly string[]): ShredResult {
  let filesRemoved = 0;
  let bytesRemoved = 0;
  const folders = new Set<string>();
  for (const file of files) {
    let fd: number;
    try {
      fd = openSync(file, constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    try {
      const size = fstatSync(fd).size;
      for (let offset = 0; offset < size; offset += CHUNK.length) writeSync(fd, CHUNK, 0, Math.min(CHUNK.length, size - offset), offset);
      fsyncSync(fd);
      bytesRemoved += size;
    } finally {
      closeSync(fd);
    }
    unlinkSync(file);
    filesRemoved++;
    folders.add(dirname(file));
  }
  for (const folder of folders) syncFolder(folder);
  return { filesRemoved, bytesRemoved };
}

export function allGone(files: readonly string[]): boolean {
  return files.every((file) => !existsSync(file));
}

function syncFolder(folder: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(folder, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
