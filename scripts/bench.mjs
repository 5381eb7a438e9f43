// `npm run bench`: every benchmark of the project, one table. Targets are checked here, not in
// the tests (tests never assert wall-clock speed). Runs against dist/ (npm run bench builds first).
//   npm run bench                 all parts
//   npm run bench -- store sync   only some
import { cpus, loadavg } from 'node:os';

const PARTS = {
  store: ['./bench/store-bench.mjs', 'runStoreBench'],
  sync: ['./bench/sync-bench.mjs', 'runSyncBench'],
  ipc: ['./bench/ipc-bench.mjs', 'runIpcBench'],
  guard: ['./bench/guard-bench.mjs', 'runGuardBench'],
  relay: ['./bench/relay-bench.mjs', 'runRelayBench'],
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!PARTS[name]) {
    console.error(`unknown part '${name}'; parts: ${Object.keys(PARTS).join(', ')}`);
    process.exit(2);
  }
}

const rows = [];
for (const [part, [module, fn]] of Object.entries(PARTS)) {
  if (wanted.length > 0 && !wanted.includes(part)) continue;
  process.stderr.write(`running ${part}…\n`);
  const started = Date.now();
  const results = await (await import(module))[fn]();
  for (const r of results) rows.push({ part, ...r });
  process.stderr.write(`  ${part} done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

const format = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 3 : 1)) : String(v));
const table = [['part', 'measure', 'value', 'unit', 'target'], ...rows.map((r) => [r.part, r.name, format(r.value), r.unit ?? '', r.target ?? ''])];
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}\n`);
for (const [i, row] of table.entries()) {
  console.log(row.map((cell, c) => (c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
