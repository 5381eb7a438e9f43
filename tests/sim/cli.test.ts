import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSimCommand } from '../../src/sim/index.js';

/** Collects what a stream receives; `firstLine` resolves with the first complete line. */
function capture(): { stream: PassThrough; text: () => string; firstLine: Promise<string> } {
  const stream = new PassThrough();
  let text = '';
  let resolveLine: (line: string) => void = () => undefined;
  const firstLine = new Promise<string>((resolve) => (resolveLine = resolve));
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    const end = text.indexOf('\n');
    if (end !== -1) resolveLine(text.slice(0, end));
  });
  return { stream, text: () => text, firstLine };
}

describe('callvault sim', () => {
  it('prints one JSON line when listening, serves, and returns 0 when stopped', async () => {
    const stdout = capture();
    const stop = new AbortController();
    const exit = runSimCommand(['--seed', 'cli', '--plan', 'business', '--users', '2', '--client-id=my-app'], { signal: stop.signal, stdout: stdout.stream });
    const line = JSON.parse(await stdout.firstLine) as { url: string; clientId: string; users: { userId: string; accountId: string }[] };
    expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(line.clientId).toBe('my-app');
    expect(line.users).toHaveLength(2);
    expect(Object.keys(line.users[0] ?? {}).sort()).toEqual(['accountId', 'userId']);
    const users = (await (await fetch(`${line.url}/__admin/users`)).json()) as { email: string; canaries: string[] }[];
    // No emails and no content in what the command prints.
    for (const user of users) {
      expect(stdout.text()).not.toContain(user.email);
      for (const canary of user.canaries) expect(stdout.text()).not.toContain(canary);
    }
    stop.abort();
    expect(await exit).toBe(0);
    expect(stdout.text().trim().split('\n')).toHaveLength(1);
    await expect(fetch(`${line.url}/__admin/users`)).rejects.toThrow();
  });

  it('refuses bad flags with a message naming the flag and exit code 2', async () => {
    const cases: [string[], string][] = [
      [['--port', 'http'], '--port'],
      [['--plan', 'enterprise'], '--plan'],
      [['--dataset', 'huge'], '--dataset'],
      [['--users', '0'], '--users'],
      [['--webhook-url', 'http://127.0.0.1:9/hook'], '--webhook-secret'],
      [['--webhook-url', 'ftp://x', '--webhook-secret', 's'], '--webhook-url'],
      [['--verbose'], '--verbose'],
      [['--seed'], '--seed'],
    ];
    for (const [argv, flag] of cases) {
      const stderr = capture();
      const stdout = capture();
      expect(await runSimCommand(argv, { stdout: stdout.stream, stderr: stderr.stream })).toBe(2);
      expect(stderr.text()).toContain(flag);
      expect(stdout.text()).toBe('');
    }
  });

  it('as a process: prints the line, and exits 0 on SIGTERM (compiled dist/)', async () => {
    // `npm test` builds dist/ first; `callvault sim` itself is wired into src/main.ts by the lead.
    const cli = join(import.meta.dirname, '../../dist/sim/cli.js');
    expect(existsSync(cli)).toBe(true);
    const script = `import(${JSON.stringify(pathToFileURL(cli).href)}).then((m) => m.runSimCommand(process.argv.slice(1))).then((code) => { process.exitCode = code; });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', '--seed', 'proc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
        });
        child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      expect((await fetch(`${url}/__admin/users`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
