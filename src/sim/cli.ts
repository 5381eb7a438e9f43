// `callvault sim`: runs the simulator until SIGINT/SIGTERM. Prints one JSON line when listening
// (url, client id, user and account ids; no emails, no content) so a script can read where it is.

import type { Writable } from 'node:stream';
import { usageLine } from '../platform/commandLine.js';
import { startSimulator } from './server.js';
import type { SimOptions, SimPlan } from './types.js';

export interface SimCommandIo {
  /** Stops the simulator like SIGTERM does (for tests and embedding). */
  signal?: AbortSignal;
  stdout?: Writable;
  stderr?: Writable;
}

const FLAGS = ['--port', '--seed', '--plan', '--dataset', '--users', '--webhook-url', '--webhook-secret', '--client-id'] as const;
type Flag = (typeof FLAGS)[number];

type Parsed = { ok: true; options: SimOptions } | { ok: false; message: string };

function isFlag(name: string): name is Flag {
  return (FLAGS as readonly string[]).includes(name);
}

function integerIn(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

function parseSimArgs(argv: string[]): Parsed {
  const values = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (!isFlag(name)) return { ok: false, message: name.startsWith('-') ? `unknown option ${name}` : `unexpected argument '${name}'` };
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') return { ok: false, message: `${name} needs a value` };
    values.set(name, value);
  }
  const port = values.has('--port') ? integerIn(values.get('--port') as string, 0, 65_535) : 0;
  if (port === null) return { ok: false, message: '--port must be an integer from 0 to 65535' };
  const users = values.has('--users') ? integerIn(values.get('--users') as string, 1, 100) : 1;
  if (users === null) return { ok: false, message: '--users must be an integer from 1 to 100' };
  const plan = values.get('--plan') ?? 'pro';
  if (!['free', 'pro', 'business'].includes(plan)) return { ok: false, message: '--plan must be free, pro or business' };
  const dataset = values.get('--dataset') ?? 'small';
  if (dataset !== 'small' && dataset !== 'year') return { ok: false, message: '--dataset must be small or year' };
  const webhookUrl = values.get('--webhook-url');
  const webhookSecret = values.get('--webhook-secret');
  if ((webhookUrl === undefined) !== (webhookSecret === undefined)) {
    return { ok: false, message: `${webhookUrl === undefined ? '--webhook-url' : '--webhook-secret'} is needed with ${webhookUrl === undefined ? '--webhook-secret' : '--webhook-url'}` };
  }
  if (webhookUrl !== undefined && !isHttpUrl(webhookUrl)) return { ok: false, message: '--webhook-url must be an http(s) URL' };
  const options: SimOptions = {
    port,
    seed: values.get('--seed') ?? 1,
    accounts: [{ plan: plan as SimPlan, users: Array.from({ length: users }, () => ({ dataset })) }],
  };
  if (webhookUrl !== undefined && webhookSecret !== undefined) options.webhook = { url: webhookUrl, secretToken: webhookSecret };
  const clientId = values.get('--client-id');
  if (clientId !== undefined) options.clientId = clientId;
  return { ok: true, options };
}

/** Resolves when SIGINT, SIGTERM or `signal` asks to stop. */
function stopRequested(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}

export async function runSimCommand(argv: string[], io: SimCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const parsed = parseSimArgs(argv);
  if (!parsed.ok) {
    stderr.write(`${usageLine('sim', parsed.message)}\n`);
    return 2;
  }
  let sim;
  try {
    sim = await startSimulator(parsed.options);
  } catch (e) {
    stderr.write(`callvault sim: cannot listen (${(e as NodeJS.ErrnoException).code ?? 'error'})\n`);
    return 1;
  }
  const users = sim.admin.users().map((u) => ({ userId: u.userId, accountId: u.accountId }));
  stdout.write(`${JSON.stringify({ url: sim.url, clientId: sim.clientId, users })}\n`);
  await stopRequested(io.signal);
  await sim.close();
  return 0;
}
