// The hostile side of tests/ipc/fuzz.test.ts, run as its own process so that the server's memory
// is measured without the attacker's. Plain JS on node:net: it needs nothing from src/.
//   node fuzzAttacker.mjs <socketPath> <tokenFile> <seed>
// Sends 10,006 frames; prints one JSON line: { frames, failures }, failures being the first
// unexpected answers.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const [socketPath, tokenFile, seedText] = process.argv.slice(2);
const token = readFileSync(tokenFile, 'utf8').trim();
const MiB = 1024 * 1024;
const failures = [];
let frames = 0;

function fail(text) {
  if (failures.length < 20) failures.push(text);
}

/** Deterministic, so a failure can be replayed with the same seed. */
function prng(seed) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(Number(seedText));
const pick = (items) => items[Math.floor(random() * items.length)];

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__lookupGetter__'];
const deep = (depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

function garbage() {
  const bytes = Buffer.alloc(1 + Math.floor(random() * 200));
  // Anything but the delimiters "\n" and "\r": one frame in, one answer out.
  for (let i = 0; i < bytes.length; i++) bytes[i] = pick([0x7b, 0x22, 0x5b, 0x20, 0xff, 0xc3, 0x00, 0x41, 0x3a, 0x7d]);
  return bytes;
}

/** A malformed frame and the id its error must carry (null when the request's id is unusable or unread). */
const MAKERS = [
  () => ({ frame: garbage(), id: null }),
  () => ({ frame: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), id: null }),
  () => ({ frame: pick(['123', '"str"', 'null', 'true', '[]', '{', '{"id":', 'nul', '"unterminated']), id: null }),
  () => ({ frame: deep(5000 + Math.floor(random() * 5000)), id: null }),
  () => ({
    frame: JSON.stringify(pick([{ id: {}, method: 5 }, { jsonrpc: '2.0', id: true, method: 'status' }, { id: 1.5, method: 'status' }, { method: 'status' }, { id: 'x'.repeat(65), method: 'status' }])),
    id: null,
  }),
  (id) => ({ frame: JSON.stringify({ jsonrpc: '2.0', id, method: 5, params: {} }), id }),
  (id) => ({ frame: JSON.stringify({ jsonrpc: '2.0', id, method: pick(PROTOTYPE_NAMES), params: {} }), id }),
  (id) => ({ frame: JSON.stringify({ jsonrpc: '2.0', id, method: `no.such.${Math.floor(random() * 1e6)}`, params: {} }), id }),
  (id) => ({ frame: JSON.stringify({ jsonrpc: '2.0', id, method: 'meetings.list', params: { limit: pick([0, 501, -1, 1.5, 'x', null]) } }), id }),
  (id) => ({ frame: JSON.stringify({ jsonrpc: '2.0', id, method: 'search', params: { q: pick(['', 'q'.repeat(201)]) } }), id }),
  (id) => ({ frame: JSON.stringify({ jsonrpc: '2.0', id, method: 'purge', params: pick([{}, { all: true }, { all: true, account: 'a_0123456789abcdef01234567', confirm: true }]) }), id }),
  (id) => ({ frame: JSON.stringify({ jsonrpc: '2.0', id, method: 'status', params: pick([[], 'x', 7, JSON.parse('{"__proto__":{"x":1}}')]) }), id }),
  (id) => ({ frame: JSON.stringify({ jsonrpc: '2.0', id, method: 'status', params: Object.fromEntries(Array.from({ length: 500 }, (_, k) => [`k${k}`, k])) }), id }),
  // Shaped like no request (too deep, too many values): refused unparsed, so the id stays unknown.
  (id) => ({ frame: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"status","params":{"a":${deep(2000)}}}`, id: null }),
  (id) => ({ frame: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"sync.now","params":{"a":[${'0,'.repeat(2000)}0]}}`, id: null }),
];
const badFrame = (id) => pick(MAKERS)(id);
const rpc = (id, method, params) => ({ jsonrpc: '2.0', id, method, params });
const line = (frame) => (typeof frame === 'string' ? `${frame}\n` : Buffer.concat([frame, Buffer.from('\n')]));

/** A socket whose answers are handed, one parsed line at a time, to `onMessage`. */
function open(onMessage) {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath });
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (text) => {
      buffer += text;
      let newline;
      while ((newline = buffer.indexOf('\n')) !== -1) {
        onMessage(JSON.parse(buffer.slice(0, newline)));
        buffer = buffer.slice(newline + 1);
      }
    });
    // Writes after the server hung up fail with EPIPE/ECONNRESET: expected here.
    socket.on('error', () => {});
    socket.gone = new Promise((done) => socket.once('close', done));
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * A connection past hello. When more connections wait for hello than their pool holds, the daemon
 * closes the oldest for a newcomer (BUSY): like a real client, this one dials again.
 */
async function authenticated(onMessage) {
  for (;;) {
    let greeted;
    const hello = new Promise((resolve) => (greeted = resolve));
    let first = true;
    const socket = await open((message) => {
      if (!first) return onMessage(message);
      first = false;
      greeted(message);
    });
    socket.write(`${JSON.stringify(rpc('hello', 'hello', { token, protocol: 2 }))}\n`);
    const answer = await hello;
    if (answer.result) return socket;
    if (answer.error?.data?.limit?.name !== 'maxUnauthenticated') {
      fail(`hello refused: ${JSON.stringify(answer)}`);
      return socket;
    }
    socket.destroy();
  }
}

async function authenticatedBadRequests(connection, count) {
  const expected = [];
  let answered = 0;
  let allAnswered;
  const done = new Promise((resolve) => (allAnswered = resolve));
  const socket = await authenticated((message) => {
    const want = expected[answered++];
    if (message.id !== want || message.error?.data?.code !== 'BAD_REQUEST') {
      fail(`authenticated c${connection} #${answered - 1}: wanted [${want}, BAD_REQUEST], got ${JSON.stringify(message).slice(0, 200)}`);
    }
    if (answered === count) allAnswered();
  });
  for (let i = 0; i < count; i++) {
    const { frame, id } = badFrame(`c${connection}-${i}`);
    expected.push(id);
    if (!socket.write(line(frame))) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await Promise.race([done, socket.gone]);
  if (answered !== count) fail(`authenticated c${connection}: ${answered} answers for ${count} frames`);
  if (socket.destroyed) fail(`authenticated c${connection}: the server closed a connection that sent only bad requests`);
  socket.destroy();
  frames += count;
}

async function unauthenticated(index) {
  const answers = [];
  const socket = await open((message) => answers.push(message));
  const frame = index % 4 === 0 ? JSON.stringify(rpc(index, 'status', {})) : badFrame(`u-${index}`).frame;
  socket.write(line(frame));
  await socket.gone;
  // Or, when more connections wait for hello than their pool holds, closed for a newer one.
  const code = answers[0]?.error?.data?.code;
  const evicted = code === 'BUSY' && answers[0].error.data.limit?.name === 'maxUnauthenticated';
  if (answers.length !== 1 || (code !== 'UNAUTHORIZED' && !evicted)) fail(`unauthenticated #${index}: ${JSON.stringify(answers).slice(0, 200)}`);
  frames++;
}

async function oversized(index) {
  const answers = [];
  const socket = index % 2 === 0 ? await authenticated((message) => answers.push(message)) : await open((message) => answers.push(message));
  // One shared chunk, written 80 times: the attacker holds 64 KiB, not 5 MiB.
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < 5 * MiB && !socket.destroyed; sent += chunk.length) socket.write(chunk);
  await socket.gone;
  const wanted = JSON.stringify([{ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'frame exceeds 1 MiB', data: { code: 'BAD_REQUEST', limit: { name: 'maxFrameBytes', value: MiB } } } }]);
  if (JSON.stringify(answers) !== wanted) fail(`oversized #${index}: ${JSON.stringify(answers).slice(0, 200)}`);
  frames++;
}

async function partialThenGone(index) {
  const socket = index % 2 === 0 ? await authenticated(() => {}) : await open(() => {});
  socket.write(`{"jsonrpc":"2.0","id":1,"method":"meetings.list","params":{"limit":${'9'.repeat(1 + index * 100)}`);
  socket.destroy();
  frames++;
}

async function slowHello(index) {
  const answers = [];
  const socket = await open((message) => answers.push(message));
  const hello = `${JSON.stringify(rpc(1, 'hello', { token, protocol: 2 }))}\n`;
  let at = 0;
  const drip = setInterval(() => socket.write(hello.slice(at, ++at)), 50);
  await socket.gone;
  clearInterval(drip);
  const wanted = JSON.stringify([{ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'no hello in time', data: { code: 'UNAUTHORIZED', limit: { name: 'helloTimeoutMs', value: 500 } } } }]);
  if (at >= hello.length || JSON.stringify(answers) !== wanted) fail(`slow #${index}: sent ${at} bytes, got ${JSON.stringify(answers)}`);
  frames++;
}

async function inBatches(total, size, run) {
  for (let start = 0; start < total; start += size) {
    await Promise.all(Array.from({ length: Math.min(size, total - start) }, (_, i) => run(start + i)));
  }
}

await Promise.all(Array.from({ length: 8 }, (_, c) => authenticatedBadRequests(c, 1000)));
await inBatches(1600, 32, unauthenticated);
await inBatches(6, 6, oversized);
await inBatches(380, 38, partialThenGone);
// Fewer at once than the pool of connections waiting for hello holds: these wait for the deadline.
await inBatches(20, 10, slowHello);

process.stdout.write(`${JSON.stringify({ frames, failures })}\n`);
