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
  const [sub, ...rest] = argv;
  if (rest.length > 0 || (sub !== undefined && sub !== 'deauth')) {
    process.stderr.write('usage: callvault demo            run the demo (npm start)\n       callvault demo deauth     remove the app at the simulated Zoom and watch the wipe\n');
    return 2;
  }
  try {
    return sub === 'deauth' ? await runDemoDeauth(io) : await runDemo(io);
  } catch (e) {
    process.stderr.write(`callvault demo: ${(e as Error).message}\n`);
    return 1;
  }
}
