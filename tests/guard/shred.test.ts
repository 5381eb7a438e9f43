import { linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allGone, unlinkKeepingOpen } from '../../src/guard/shred.js';

describe('unlinkKeepingOpen', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes every file, counts bytes, and tolerates files already gone', () => {
    dir = mkdtempSync(join(tmpdir(), 'cv-'));
    const files = ['v.db', 'v.db-wal', 'v.db-shm', 'v.db-journal'].map((n) => join(dir, n));
    writeFileSync(files[0]!, Buffer.alloc(3 << 20, 7));
    writeFileSync(files[1]!, 'wal');
    writeFileSync(files[2]!, '');
    // A second name for the same inode lets the test see the blocks after the unlink.
    const witnessDir = mkdtempSync(join(tmpdir(), 'cv-'));
    const witness = join(witnessDir, 'witness');
    linkSync(files[0]!, witness);
    const unlinked = unlinkKeepingOpen(files);
    // Unreachable at once; the overwrite comes after, through the handles.
    expect(allGone(files)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    expect({ filesRemoved: unlinked.filesRemoved, bytesRemoved: unlinked.bytesRemoved }).toEqual({ filesRemoved: 3, bytesRemoved: (3 << 20) + 3 });
    expect(readFileSync(witness).every((b) => b === 7)).toBe(true);
    unlinked.overwrite();
    expect(readFileSync(witness).every((b) => b === 0)).toBe(true);
    rmSync(witnessDir, { recursive: true, force: true });
    const again = unlinkKeepingOpen(files);
    expect({ filesRemoved: again.filesRemoved, bytesRemoved: again.bytesRemoved }).toEqual({ filesRemoved: 0, bytesRemoved: 0 });
  });
});
