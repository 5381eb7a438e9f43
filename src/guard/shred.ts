import { closeSync, constants, existsSync, fstatSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const CHUNK = Buffer.alloc(1 << 20);

/** Files already unlinked, still open, waiting to be overwritten. */
export interface UnlinkedFiles {
  filesRemoved: number;
  bytesRemoved: number;
  /** Overwrites each file's blocks with zeros through its open handle, flushes, and closes it. */
  overwrite(): void;
}

/**
 * Unlinks the files first — no path reaches the data any more, and the folder is flushed so the
 * unlink is durable — then leaves the overwrite to the caller, through handles opened before the
 * unlink. The order makes data unreachable within milliseconds even for a vault of hundreds of
 * megabytes. A crash between the two loses only the overwrite, which matters solely on disks that
 * write in place (not on SSDs or copy-on-write filesystems): crypto-shredding is the stronger
 * answer there (DESIGN.md, "Honest limit"). Missing files are fine: a wipe resumed after a crash
 * finds some already gone.
 */
export function unlinkKeepingOpen(files: readonly string[]): UnlinkedFiles {
  const open: Array<{ fd: number; size: number }> = [];
  const folders = new Set<string>();
  try {
    for (const file of files) {
      let fd: number;
      try {
        fd = openSync(file, constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      open.push({ fd, size: fstatSync(fd).size });
      unlinkSync(file);
      folders.add(dirname(file));
    }
    for (const folder of folders) syncFolder(folder);
  } catch (e) {
    for (const { fd } of open) closeSync(fd);
    throw e;
  }
  return {
    filesRemoved: open.length,
    bytesRemoved: open.reduce((sum, f) => sum + f.size, 0),
    overwrite: () => {
      for (const { fd, size } of open.splice(0)) {
        try {
          for (let offset = 0; offset < size; offset += CHUNK.length) writeSync(fd, CHUNK, 0, Math.min(CHUNK.length, size - offset), offset);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    },
  };
}

export function allGone(files: readonly string[]): boolean {
  return files.every((file) => !existsSync(file));
}

/** Flushes a folder, so that a file created, renamed or unlinked in it stays so after a power cut. */
export function syncFolder(folder: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(folder, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
