// The one way benchmark results are printed: by `npm run bench` for all parts, and by each
// part's script when it is run directly.
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const format = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 3 : 1)) : String(v));

/** rows: Array<{ part?, name, value, unit?, target? }> */
export function printTable(rows) {
  const table = [['part', 'measure', 'value', 'unit', 'target'], ...rows.map((r) => [r.part ?? '', r.name, format(r.value), r.unit ?? '', r.target ?? ''])];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}\n`);
  for (const [i, row] of table.entries()) {
    console.log(row.map((cell, c) => (c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Runs `run` and prints its rows when the module at `moduleUrl` is the script node was started with. */
export async function printWhenRunDirectly(moduleUrl, part, run) {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  printTable((await run()).map((r) => ({ part, ...r })));
}
