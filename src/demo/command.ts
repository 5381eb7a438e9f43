import { parseWords, usageLine } from '../platform/commandLine.js';
import { runDemoDeauth } from './deauth.js';
import { runDemo, type DemoIo } from './demo.js';

function defaultIo(): DemoIo {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  return { out: (text) => process.stdout.write(`${text}\n`), signal: controller.signal };
}

/** `callvault demo` and `callvault demo deauth`. */
export async function runDemoCommand(argv: string[], io: DemoIo = defaultIo()): Promise<number> {
  const parsed = parseWords(argv, {}, true);
  const [sub, extra] = parsed.ok ? parsed.value.positionals : [];
  const problem = !parsed.ok ? parsed.error : sub !== undefined && sub !== 'deauth' ? `unexpected argument '${sub}'` : extra !== undefined ? `unexpected argument '${extra}'` : null;
  if (problem !== null) {
    process.stderr.write(`${usageLine('demo', problem)}\n`);
    return 2;
  }
  try {
    return sub === 'deauth' ? await runDemoDeauth(io) : await runDemo(io);
  } catch (e) {
    process.stderr.write(`callvault demo: ${(e as Error).message}\n`);
    return 1;
  }
}
