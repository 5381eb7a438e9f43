import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { COMPONENTS, installCommand, missingComponents } from '../../scripts/components.mjs';

// Tests that need a real component (scripts/components.mjs): they run where it is usable. Where it
// is not, they fail under CI=true, which must provide everything, and are skipped elsewhere and
// named in one line at the end of the run (tests/setup/realComponents.ts), with the command that
// provides them.

/** The environment variable naming the folder where skipped components are noted for the summary. */
export const SKIP_NOTES_ENV = 'CALLVAULT_SKIPPED_COMPONENTS_DIR';

/** Why the component cannot be used here, or null when it can. */
export function componentProblem(component: string): string | null {
  if (!(component in COMPONENTS)) throw new Error(`unknown component ${component}: add it to scripts/components.mjs`);
  const [missing] = missingComponents([component]);
  return missing ? `${COMPONENTS[component]?.what} is not usable here: ${missing.reason} (provide it with: ${installCommand([missing])})` : null;
}

function noteSkipped(component: string, title: string): void {
  const dir = process.env[SKIP_NOTES_ENV];
  if (dir) appendFileSync(join(dir, `${process.pid}.tsv`), `${component}\t${title}\n`);
}

/** A describe block that needs `component`. */
export function describeWith(component: string, title: string, fn: () => void): void {
  const problem = componentProblem(component);
  if (problem === null) {
    describe(title, fn);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${component}`, () => {
        throw new Error(problem);
      });
    });
  } else {
    noteSkipped(component, title);
    describe.skip(`${title} (needs ${component})`, fn);
  }
}
