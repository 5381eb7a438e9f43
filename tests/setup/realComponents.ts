import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCommand, missingComponents } from '../../scripts/components.mjs';
import { SKIP_NOTES_ENV } from '../helpers/realComponents.js';

// Vitest's global setup: a folder where test workers note the real-component tests they skipped,
// and, once the run is over, one line naming them with the command that provides what they need.

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'cv-skipped-'));
  process.env[SKIP_NOTES_ENV] = dir;
  return () => {
    const skipped = new Map<string, Set<string>>();
    for (const file of readdirSync(dir)) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        const [component, title] = line.split('\t');
        if (component && title) skipped.set(component, (skipped.get(component) ?? new Set()).add(title));
      }
    }
    rmSync(dir, { recursive: true, force: true });
    if (skipped.size === 0) return;
    const named = [...skipped].map(([component, titles]) => `${component} (${[...titles].join('; ')})`).join(', ');
    process.stdout.write(`\nNot run here, for want of real components: ${named}. Provide them with: ${installCommand(missingComponents([...skipped.keys()]))}\n`);
  };
}
