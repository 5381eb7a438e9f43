// `npm run bench`: every benchmark of the project, one table. Targets are checked here, not in
// the tests (tests never assert wall-clock speed). Runs against dist/ (npm run bench builds first).
//   npm run bench                 all parts
//   npm run bench -- store sync   only some
import { printTable } from './bench/table.mjs';

const PARTS = {
  store: ['./bench/store-bench.mjs', 'runStoreBench'],
  sync: ['./bench/sync-bench.mjs', 'runSyncBench'],
  ipc: ['./bench/ipc-bench.mjs', 'runIpcBench'],
  guard: ['./bench/guard-bench.mjs', 'runGuardBench'],
  relay: ['./bench/relay-bench.mjs', 'runRelayBench'],
  cli: ['./bench/cli-bench.mjs', 'runCliBench'],
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

printTable(rows);
