// The process of issue 16 §3 that kept a real client out: it reopens silent connections in bursts
// (it sends nothing, so it never says hello). Run by tests/ipc/lockout.test.ts; plain JS on
// node:net, so nothing of it runs in the server's process.
//   node lockoutAttacker.mjs <socketPath>
// stdin: "burst <n>" closes the last burst's connections and opens n new ones; once every one has
// connected (or been refused) it prints "opened <connected>". "quit" ends it.
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const [socketPath] = process.argv.slice(2);
let held = [];

function openOne() {
  return new Promise((resolve) => {
    const socket = connect({ path: socketPath });
    // Refusals and closes from the daemon are expected.
    socket.on('error', () => resolve(null));
    socket.once('connect', () => resolve(socket));
  });
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, count] = line.trim().split(' ');
  if (command === 'quit') break;
  if (command !== 'burst') continue;
  for (const socket of held) socket.destroy();
  held = (await Promise.all(Array.from({ length: Number(count) }, openOne))).filter((s) => s !== null);
  process.stdout.write(`opened ${held.length}\n`);
}
for (const socket of held) socket.destroy();
