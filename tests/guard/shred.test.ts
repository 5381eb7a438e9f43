import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allGone, shredFiles } from '../../src/guard/shred.js';

describe('shredFiles', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes every file, counts bytes, and tolerates files already gone', () => {
    dir = mkdtempSync(join(tmpdir(), 'cv-'));
    const files = ['v.db', 'v.db-wal', 'v.db-shm', 'v.db-journal'].map((n) => join(dir, n));
    writeFileSync(files[0]!, Buffer.alloc(3 << 20, 7));
    writeFileSync(files[1]!, 'wal');
    writeFileSync(files[2]!, '');
    const result = shredFiles(files);
    expect(result).toEqual({ filesRemoved: 3, bytesRemoved: (3 << 20) + 3 });
    expect(allGone(files)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
    expect(shredFiles(files)).toEqual({ filesRemoved: 0, bytesRemoved: 0 });
  });
});
