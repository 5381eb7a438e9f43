import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpcClient } from '../../src/ipc/client.js';
import type { Simulator, SimUser } from '../../src/sim/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { ChildDaemon, Home, client, connectAccount, simConfig, syncAndWait } from '../helpers/daemonHarness.js';
import { describeWith } from '../helpers/realComponents.js';
import { CliRunner, filesText, requireBuild, sleep, waitUntil, zoomSecrets } from './helpers.js';
import { parseTable } from './table.js';

// The real `callvault` command, as child processes, against a real daemon (also a child) that
// has synced three simulated Zoom users: A is read, B is purged, C is disconnected.

let sim: Simulator;
let home: Home;
let daemon: ChildDaemon;
let ipc: IpcClient;
let cli: CliRunner;
let users: SimUser[];
const keys = { a: '', b: '', c: '' };

/** Until no account is syncing: a background run would change what the commands show. */
function settled(): Promise<void> {
  return waitUntil(async () => {
    const status = await ipc.call('status');
    return status.ok && status.value.accounts.every((a) => a.syncing === null);
  });
}

function value<T>(result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!result.ok) throw new Error(`IPC call failed: ${result.error.code} ${result.error.message}`);
  return result.value;
}

/** `YYYY-MM-DDTHH:MM` in local time, the form `--since`/`--until` take, and the instant it names. */
function localMinute(ms: number): { text: string; ms: number } {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const text = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return { text, ms: Date.parse(text) };
}

/** A cell as the CLI's table shows it: cut to `max` characters with an ellipsis. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

beforeAll(async () => {
  requireBuild();
  sim = await startSimulator({ seed: 31, accounts: [{ plan: 'business', users: [{}, {}, {}] }] });
  home = new Home();
  // A weekly schedule keeps scheduled runs out of the way; debug logging gives leaks every chance to show.
  home.writeConfig(simConfig(sim, { sync: { schedule: '0 3 * * 1', jitterSeconds: 0 }, log: { level: 'debug' } }));
  daemon = await ChildDaemon.start(home);
  ipc = await client(home);
  cli = new CliRunner(home);
  users = sim.admin.users();
  keys.a = await connectAccount(ipc, sim, users[0]!.userId);
  keys.b = await connectAccount(ipc, sim, users[1]!.userId);
  keys.c = await connectAccount(ipc, sim, users[2]!.userId);
  for (const key of Object.values(keys)) expect((await syncAndWait(ipc, key)).error).toBeNull();
  await settled();
});

afterAll(async () => {
  await ipc?.close();
  await daemon?.stop();
  await sim?.close();
  home?.remove();
});

describe('callvault viewer commands (child processes against a child daemon)', () => {
  it('status: a table of every account by default; --json is what IPC status returns', async () => {
    const table = await cli.run('status');
    expect(table.code).toBe(0);
    const expected = value(await ipc.call('status'));
    expect(table.stdout).toContain(`pid ${daemon.pid}`);
    const rows = parseTable(table.stdout, 'ACCOUNT');
    expect(rows.map((r) => r.ACCOUNT)).toEqual(expected.accounts.map((a) => a.accountKey));
    for (const [i, account] of expected.accounts.entries()) {
      expect(rows[i]).toMatchObject({ MEETINGS: String(account.counts.meetings), CALLS: String(account.counts.calls), RECORDINGS: String(account.counts.recordings) });
      expect(account.counts.meetings).toBeGreaterThan(0);
    }

    const json = await cli.run('status', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(value(await ipc.call('status')));
  });

  it('meetings, calls and recordings: readable tables of one page; --json is the IPC page', async () => {
    const meetings = value(await ipc.call('meetings.list', { limit: 5 }));
    const meetingTable = await cli.run('meetings', '--limit', '5');
    expect(meetingTable.code).toBe(0);
    expect(parseTable(meetingTable.stdout, 'START').map((r) => r.UUID)).toEqual(meetings.items.map((m) => m.uuid));
    expect(meetingTable.stdout).toContain(`More: add --cursor ${meetings.nextCursor}`);

    const calls = value(await ipc.call('calls.list', { limit: 5 }));
    const callTable = await cli.run('calls', '--limit', '5');
    expect(callTable.code).toBe(0);
    expect(parseTable(callTable.stdout, 'START').map((r) => r.DIR)).toEqual(calls.items.map((c) => c.direction));

    const recordings = value(await ipc.call('recordings.list', { limit: 5 }));
    const recordingTable = await cli.run('recordings', '--limit', '5');
    expect(recordingTable.code).toBe(0);
    const recordingRows = parseTable(recordingTable.stdout, 'START');
    expect(recordingRows.map((r) => r.FILES)).toEqual(recordings.items.map((r) => String(r.files.length)));
    // The meeting's UUID, so that `callvault meeting <uuid>` is the next step.
    expect(recordingRows.map((r) => r.UUID)).toEqual(recordings.items.map((r) => r.meetingUuid));
    const recorded = await cli.run('meeting', recordingRows[0]!.UUID!);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stdout.split('\n')[0]).toBe(recordings.items[0]!.topic);

    for (const [command, page] of [
      ['meetings', meetings],
      ['calls', calls],
      ['recordings', recordings],
    ] as const) {
      expect(page.items).toHaveLength(5);
      const json = await cli.run(command, '--limit', '5', '--json');
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual(page);
    }
  });

  it('meetings --since/--until/--limit/--cursor: following the cursors walks every meeting of the range once', async () => {
    const all = value(await ipc.call('meetings.list', { limit: 500 })).items;
    expect(all.length).toBeGreaterThan(40);
    const since = localMinute(all[all.length - 5]!.startTime);
    const until = localMinute(all[4]!.startTime);
    const expected = value(await ipc.call('meetings.list', { from: since.ms, to: until.ms, limit: 500 })).items.map((m) => m.uuid);
    expect(expected.length).toBeGreaterThan(20);
    expect(expected.length).toBeLessThan(all.length);

    const walked: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const run = await cli.run('meetings', '--since', since.text, '--until', until.text, '--limit', '7', ...(cursor ? ['--cursor', cursor] : []));
      expect(run.code).toBe(0);
      walked.push(...parseTable(run.stdout, 'START').map((r) => r.UUID!));
      cursor = /More: add --cursor (\S+)/.exec(run.stdout)?.[1];
      pages++;
    } while (cursor && pages < 50);
    expect(pages).toBeGreaterThan(2);
    expect(walked).toEqual(expected);
    expect(new Set(walked).size).toBe(walked.length);
  });

  it('meeting <uuid>: the meeting and a table of its participants; --json is meetings.get', async () => {
    const page = value(await ipc.call('meetings.list', { account: keys.a, limit: 50 })).items;
    let detail = null;
    for (const m of page) {
      const got = value(await ipc.call('meetings.get', { uuid: m.uuid }));
      if (got.participants.length >= 2) {
        detail = got;
        break;
      }
    }
    if (!detail) throw new Error('no meeting with participants in the simulated data');
    const shown = await cli.run('meeting', detail.uuid);
    expect(shown.code).toBe(0);
    expect(shown.stdout.split('\n')[0]).toBe(detail.topic);
    const rows = parseTable(shown.stdout, 'NAME');
    expect(rows.map((r) => r.NAME)).toEqual(detail.participants.map((p) => cut(p.name, 32)));

    const json = await cli.run('meeting', detail.uuid, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(detail);
  });

  it('search: finds a meeting by the words of its topic (which carry the canary); --json is the IPC answer', async () => {
    const meeting = value(await ipc.call('meetings.list', { account: keys.a, limit: 1 })).items[0]!;
    expect(meeting.topic).toContain(users[0]!.canaries[0]);
    const words = meeting.topic.split(' ');
    const found = await cli.run('search', ...words, '--account', keys.a);
    expect(found.code).toBe(0);
    const hits = parseTable(found.stdout, 'WHEN');
    expect(hits).toContainEqual(expect.objectContaining({ KIND: 'meeting', REF: meeting.uuid }));

    const json = await cli.run('search', ...words, '--account', keys.a, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(value(await ipc.call('search', { q: words.join(' '), account: keys.a, limit: 50 })));

    const nothing = await cli.run('search', 'zzqqxxnothingmatches');
    expect(nothing).toMatchObject({ code: 0, stdout: 'Nothing found.\n' });
  });

  it('sync --wait ends 0 when the sync is done; through a pipe it draws no progress bar (no \\r)', async () => {
    await settled();
    const run = await cli.run('sync', '--wait');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Sync done.\n');
    expect(run.stdout).not.toContain('\r');
  });

  describeWith('script', 'on a terminal', () => {
    it('sync --wait on a terminal redraws a progress bar in place', async () => {
      await settled();
      const run = await cli.runOnTerminal('sync', '--wait');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/\r\[#*\.*\]\s+\d+%/);
      expect(run.stdout).toContain('100%');
      expect(run.stdout).toContain('Sync done.');
    });
  });

  it('watch streams the daemon events until SIGINT, then exits 0', async () => {
    await settled();
    const watch = cli.start('watch');
    try {
      await watch.waitForOutput(/Watching daemon events/);
      value(await ipc.call('sync.now', { account: keys.a }));
      await watch.waitForOutput(new RegExp(`^\\d\\d:\\d\\d:\\d\\d  ${keys.a}  synced: \\d+ meetings?, `, 'm'));
      const progress = watch.stdout.split('\n').filter((line) => line.includes(`${keys.a}  syncing `));
      expect(progress.length).toBeGreaterThan(0);
      for (const line of progress) expect(line).toMatch(/^\d\d:\d\d:\d\d  \S+  syncing \d{1,3}% \((meetings|recordings|calls)\)$/);
      // One line per step: no line says what the one before it said.
      const said = progress.map((line) => line.slice(10));
      expect(said.filter((text, i) => text === said[i - 1])).toEqual([]);
      watch.child.kill('SIGINT');
      expect(await watch.exitWithin(10_000)).toBe(0);
    } finally {
      watch.kill();
    }
  });

  it('watch --json prints one JSON event per line', async () => {
    await settled();
    const watch = cli.start('watch', '--json');
    try {
      // No banner in JSON mode: ask for syncs until the subscription has seen one.
      for (let i = 0; i < 50 && !watch.stdout.includes('"sync.done"'); i++) {
        await ipc.call('sync.now', { account: keys.a });
        await sleep(200);
      }
      const lines = watch.stdout.trim().split('\n');
      const events = lines.map((line) => JSON.parse(line) as { event: string; data: { accountKey?: string } });
      expect(events.some((e) => e.event === 'sync.done' && e.data.accountKey === keys.a)).toBe(true);
      watch.child.kill('SIGINT');
      expect(await watch.exitWithin(10_000)).toBe(0);
    } finally {
      watch.kill();
    }
    await settled();
  });

  it('exit codes: 2 for usage mistakes, 1 for an API error, 0 for help', async () => {
    const unknownCommand = await cli.run('meetigns');
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("unknown command 'meetigns'");

    const unknownFlag = await cli.run('meetings', '--sinse', '7d');
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toBe('callvault meetings: unknown option --sinse. See: callvault help meetings\n');

    const badSince = await cli.run('meetings', '--since', 'last tuesday');
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain('--since');

    const badLimit = await cli.run('calls', '--limit', '0');
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit');

    const noUuid = await cli.run('meeting');
    expect(noUuid.code).toBe(2);

    const unknownUuid = await cli.run('meeting', 'NoSuchMeeting0000000000==');
    expect(unknownUuid.code).toBe(1);
    expect(unknownUuid.stderr).toContain('NOT_FOUND');

    const badCursor = await cli.run('meetings', '--cursor', 'not-a-cursor');
    expect(badCursor.code).toBe(1);
    expect(badCursor.stderr).toContain('BAD_REQUEST');

    // Errors about real content: a meeting of A looked up in B, a search for A's canary in an account that does not exist.
    const meeting = value(await ipc.call('meetings.list', { account: keys.a, limit: 1 })).items[0]!;
    const elsewhere = await cli.run('meeting', meeting.uuid, '--account', keys.b);
    expect(elsewhere.code).toBe(1);
    const noAccount = await cli.run('search', users[0]!.canaries[0]!, '--account', 'a_000000000000000000000000');
    expect(noAccount.code).toBe(1);
    expect(noAccount.stderr).toContain('NOT_FOUND');

    const help = await cli.run('help');
    expect(help.code).toBe(0);
    for (const command of ['status', 'meetings', 'meeting', 'calls', 'recordings', 'search', 'sync', 'purge', 'receipts', 'watch', 'connect', 'disconnect', 'daemon']) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\s`, 'm'));
    }
  });

  it('exit code 3 when no daemon runs, naming the command that starts it', async () => {
    const empty = new Home();
    try {
      const runner = new CliRunner(empty);
      for (const command of ['status', 'meetings', 'watch']) {
        const run = await runner.run(command);
        expect(run.code).toBe(3);
        expect(run.stderr).toContain('callvault daemon');
        cli.stderrLog.push(run.stderr);
      }
    } finally {
      empty.remove();
    }
  });

  describeWith('script', 'purge on a terminal', () => {
    it('Ctrl-C at the question prints "Cancelled.", exits 1, deletes nothing', async () => {
      const purge = cli.startOnTerminal('purge', '--account', keys.b);
      try {
        await purge.waitForOutput(/Type 'delete' to confirm: /);
        purge.child.stdin?.write('\x03');
        expect(await purge.exitWithin(10_000)).toBe(1);
      } finally {
        purge.kill();
      }
      expect(purge.stdout).toMatch(/\r?\nCancelled\.\r?\n/);
      expect(purge.stdout + purge.stderr).not.toMatch(/Error|\n\s+at /);
      // Nothing deleted: the data key is still held (no file shows the canary: the vault is encrypted).
      expect(home.holdsDataKey(keys.b)).toBe(true);
      expect(value(await ipc.call('meetings.list', { account: keys.b, limit: 1 })).items).toHaveLength(1);
      expect(value(await ipc.call('receipts.list', {})).receipts).toEqual([]);
    });
  });

  it('purge without --yes on a non-terminal refuses (2) and deletes nothing; with --yes it deletes and prints the receipt, which receipts lists', async () => {
    const canary = users[1]!.canaries[0]!;
    // Encrypted: the data key is held, and no file shows the canary.
    expect(home.holdsDataKey(keys.b)).toBe(true);
    expect(home.filesContaining(canary)).toEqual([]);

    for (const args of [['--account', keys.b], ['--all']]) {
      const refused = await cli.run('purge', ...args);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('nothing was deleted');
    }
    expect(value(await ipc.call('meetings.list', { account: keys.b, limit: 1 })).items).toHaveLength(1);
    expect(home.holdsDataKey(keys.b)).toBe(true);
    expect(value(await ipc.call('receipts.list', {})).receipts).toEqual([]);

    const purged = await cli.run('purge', '--account', keys.b, '--yes');
    expect(purged.code).toBe(0);
    const receiptId = /Receipts: (\S+) /.exec(purged.stdout)?.[1];
    const receipts = value(await ipc.call('receipts.list', {})).receipts;
    expect(receipts.map((r) => r.id)).toEqual([receiptId]);
    expect(receipts[0]).toMatchObject({ reason: 'user-purge', zoomUserId: users[1]!.userId, verified: true });
    expect(await ipc.call('meetings.list', { account: keys.b })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    expect(home.filesContaining(canary)).toEqual([]);
    expect(home.holdsDataKey(keys.b)).toBe(false);
    // The other accounts are untouched.
    expect(value(await ipc.call('meetings.list', { account: keys.a, limit: 1 })).items).toHaveLength(1);

    const listed = await cli.run('receipts');
    expect(listed.code).toBe(0);
    expect(parseTable(listed.stdout, 'COMPLETED')).toEqual([
      expect.objectContaining({ REASON: 'user-purge', 'ZOOM USER': users[1]!.userId, VERIFIED: 'yes', 'ERASED BY': 'crypto-erase+overwrite (key in file)', ID: receiptId }),
    ]);
    const json = await cli.run('receipts', '--json');
    expect(JSON.parse(json.stdout)).toEqual(value(await ipc.call('receipts.list', {})));
  });

  it('disconnect --account K --yes revokes the grant at Zoom (the simulator refuses its tokens afterwards) and wipes', async () => {
    const user = users[2]!;
    const issued = sim.admin.issuedTokens(user.userId);
    const accessToken = issued[issued.length - 2]!;
    const me = (): Promise<number> => fetch(`${sim.url}/v2/users/me`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status);
    expect(await me()).toBe(200);

    const refused = await cli.run('disconnect', '--account', keys.c);
    expect(refused.code).toBe(2);
    expect(await me()).toBe(200);

    const done = await cli.run('disconnect', '--account', keys.c, '--yes');
    expect(done.code).toBe(0);
    const receiptId = /Receipt: (\S+)/.exec(done.stdout)?.[1];
    expect(await me()).toBe(401);
    expect(await ipc.call('meetings.list', { account: keys.c })).toMatchObject({ ok: false, error: { code: 'WIPED' } });
    expect(home.filesContaining(user.canaries[0]!)).toEqual([]);
    const receipts = value(await ipc.call('receipts.list', { account: keys.c })).receipts;
    expect(receipts).toEqual([expect.objectContaining({ id: receiptId, reason: 'disconnect', verified: true })]);
    // Newest first, like every list: the disconnect's receipt, then the purge's.
    const listed = parseTable((await cli.run('receipts')).stdout, 'COMPLETED');
    expect(listed.map((r) => r.REASON)).toEqual(['disconnect', 'user-purge']);
    expect(listed[0]?.ID).toBe(receiptId);
  });

  it('after the whole session: no Zoom content or token in anything the CLI wrote to stderr, nor in the daemon log', async () => {
    const secrets = zoomSecrets(sim);
    expect(secrets.length).toBeGreaterThan(3 * 4);
    expect(cli.stderrLog.length).toBeGreaterThan(10);
    const stderr = cli.stderrLog.join('\n');
    const logs = filesText(home.paths.logs);
    expect(logs.map((f) => f.text).join('').length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(stderr).not.toContain(secret);
      for (const log of logs) expect(log.text, `${log.path} holds Zoom content`).not.toContain(secret);
    }
  });
});
