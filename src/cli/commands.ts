import { createInterface } from 'node:readline/promises';
import type { IpcClient } from '../ipc/client.js';
import type { EventDataOf, Topic } from '../ipc/protocol.js';
import { TOPICS } from '../ipc/protocol.js';
import type { AccountStatus, KeyStatusView } from '../ipc/schemas.js';
import { openUrlInBrowser } from '../platform/openUrl.js';
import type { Flags, OptionSpec } from '../platform/commandLine.js';
import { EXIT, UsageError, type Cli } from './context.js';
import { Narrator } from './narrate.js';
import { bytes, dateTime, duration, parseWhen, progressBar, relative, table } from './format.js';

export interface Command {
  summary: string;
  usage: string;
  options: OptionSpec;
  /** Whether it takes words besides its options (a uuid, search words). */
  positionals?: boolean;
  /** Most commands talk to the daemon; those get a connected client. */
  run(cli: Cli, client: IpcClient, flags: Flags, args: string[]): Promise<number>;
}

const json = { type: 'boolean' } as const;
const account = { type: 'string' } as const;

function str(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

function when(cli: Cli, flags: Flags, name: string): number | undefined {
  const text = str(flags, name);
  if (text === undefined) return undefined;
  const ms = parseWhen(text, cli.io.now());
  if (ms === null) throw new UsageError(`--${name}: '${text}' is not a date (use 2026-03-01, 2026-03-01T14:00, or 7d / 12h)`);
  return ms;
}

function limit(flags: Flags, max: number): number | undefined {
  const text = str(flags, 'limit');
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--limit: must be a whole number from 1 to ${max}`);
  return n;
}

function accountState(a: AccountStatus, now: number): string {
  if (a.syncing) return `syncing ${Math.round(a.syncing.progress * 100)}%`;
  if (a.state !== 'active') return a.state;
  if (a.lastError) return `error: ${a.lastError}`;
  return a.lastSyncAt ? `synced ${relative(a.lastSyncAt, now)}` : 'not synced yet';
}

/** What a person answered: typed 'delete', typed something else, or pressed Ctrl-C / Ctrl-D. */
type Answer = 'confirmed' | 'declined' | 'cancelled';

async function confirm(cli: Cli, question: string): Promise<Answer> {
  if (!cli.io.stdin.isTTY) return 'declined';
  const rl = createInterface({ input: cli.io.stdin, output: cli.io.stdout as NodeJS.WritableStream });
  const cancel = new AbortController();
  const stop = (): void => cancel.abort();
  // On a terminal readline reads Ctrl-C itself ('SIGINT' on the interface) and Ctrl-D closes it;
  // a SIGINT that arrives as a signal aborts the command's own signal.
  rl.on('SIGINT', stop);
  rl.on('close', stop);
  cli.io.signal?.addEventListener('abort', stop, { once: true });
  try {
    return (await rl.question(`${question} Type 'delete' to confirm: `, { signal: cancel.signal })).trim() === 'delete' ? 'confirmed' : 'declined';
  } catch (error) {
    if (cancel.signal.aborted) return 'cancelled';
    throw error;
  } finally {
    cli.io.signal?.removeEventListener('abort', stop);
    rl.close();
  }
}

/** Asks before deleting; null to go on, or the exit code when the person did not confirm. */
async function confirmDeletion(cli: Cli, flags: Flags, question: string, declined: string): Promise<number | null> {
  if (flags.yes) return null;
  const answer = await confirm(cli, question);
  if (answer === 'confirmed') return null;
  if (answer === 'cancelled') {
    cli.out('\nCancelled.');
    return EXIT.error;
  }
  cli.error(cli.io.stdin.isTTY ? declined : `${declined} (pass --yes when not on a terminal)`);
  return EXIT.usage;
}

const listFlags = { since: { type: 'string' }, until: { type: 'string' }, account, limit: { type: 'string' }, cursor: { type: 'string' }, json } as const;

function listParams(cli: Cli, flags: Flags) {
  return { account: str(flags, 'account'), from: when(cli, flags, 'since'), to: when(cli, flags, 'until'), limit: limit(flags, 500) ?? 50, cursor: str(flags, 'cursor') };
}

/** Where the device key is kept, and what to do when it cannot be used. */
function keysLine(keys: KeyStatusView): string {
  const where = keys.custody === 'keyring' ? 'OS credential store' : keys.custody === 'file' ? 'key file (no OS credential store)' : 'none yet';
  const state = keys.state === 'ready' ? 'vaults encrypted' : `vaults closed: ${keys.state}`;
  return `device key: ${where} · ${state}${keys.detail ? ` · ${keys.detail}` : ''}`;
}

/** The next page's cursor, and the accounts a read of every account left out (wiped or expired since). */
function moreHint(cli: Cli, page: { nextCursor: string | null; omitted: Array<{ accountKey: string; code: string }> }): void {
  for (const { accountKey, code } of page.omitted) cli.out(`Left out: account ${accountKey} (${code === 'EXPIRED' ? 'its lease ran out; its data is being deleted' : 'its data was deleted'})`);
  if (page.nextCursor) cli.out(`\nMore: add --cursor ${page.nextCursor}`);
}

export const COMMANDS: Record<string, Command> = {
  status: {
    summary: 'The daemon, the relay link and every account',
    usage: 'callvault status [--json]',
    options: { json },
    async run(cli, client, flags) {
      const status = cli.check(await client.call('status'));
      if (typeof status === 'number') return status;
      if (flags.json) {
        cli.json(status);
        return EXIT.ok;
      }
      // Times are shown against the daemon's trusted clock, which decides leases, not this machine's wall clock.
      const now = status.serverTime;
      cli.out(`callvault ${status.daemonVersion} · pid ${status.pid} · up since ${dateTime(status.startedAt)}`);
      cli.out(`relay link: ${status.link.state}${status.link.since ? ` since ${relative(status.link.since, now)}` : ''} · syncing ${status.syncPaused ? 'paused' : 'on schedule'}`);
      cli.out(keysLine(status.keys));
      if (status.accounts.length === 0) {
        cli.out('No accounts. Connect one with: callvault connect');
        return EXIT.ok;
      }
      cli.out('');
      cli.out(
        table(status.accounts, [
          { header: 'ACCOUNT', value: (a) => a.accountKey },
          { header: 'STATE', value: (a) => accountState(a, now) },
          { header: 'MEETINGS', value: (a) => String(a.counts.meetings), align: 'right' },
          { header: 'CALLS', value: (a) => String(a.counts.calls), align: 'right' },
          { header: 'RECORDINGS', value: (a) => String(a.counts.recordings), align: 'right' },
          { header: 'NEXT SYNC', value: (a) => (a.nextSyncAt ? relative(a.nextSyncAt, now) : '-') },
          { header: 'DATA EXPIRES', value: (a) => (a.leaseTimeLeftMs === null ? '-' : `${relative(now + a.leaseTimeLeftMs, now)}${a.leaseWarning ? ' (!)' : ''}`) },
        ]),
      );
      // What Zoom lets this app see, so that nobody takes the copy for more than it is.
      const described = status.accounts.filter((a) => a.history !== null);
      if (described.length > 0) cli.out('');
      for (const a of described) cli.out(`${a.accountKey}: ${a.history?.summary}`);
      return EXIT.ok;
    },
  },

  meetings: {
    summary: 'Past meetings, newest first',
    usage: 'callvault meetings [--since 30d] [--until 2026-03-01] [--account KEY] [--limit 50] [--cursor C] [--json]',
    options: listFlags,
    async run(cli, client, flags) {
      const page = cli.check(await client.call('meetings.list', listParams(cli, flags)));
      if (typeof page === 'number') return page;
      if (flags.json) return cli.json(page), EXIT.ok;
      if (page.items.length === 0) return cli.out('No meetings.'), moreHint(cli, page), EXIT.ok;
      cli.out(
        table(page.items, [
          { header: 'START', value: (m) => dateTime(m.startTime) },
          { header: 'MIN', value: (m) => String(m.durationMinutes), align: 'right' },
          { header: 'TOPIC', value: (m) => m.topic, maxWidth: 48 },
          { header: 'UUID', value: (m) => m.uuid },
        ]),
      );
      moreHint(cli, page);
      return EXIT.ok;
    },
  },

  meeting: {
    summary: 'One meeting with its participants',
    usage: 'callvault meeting <uuid> [--account KEY] [--json]',
    options: { account, json },
    positionals: true,
    async run(cli, client, flags, args) {
      const uuid = args[0];
      if (!uuid) throw new UsageError('give the meeting uuid (callvault meetings lists them)');
      const meeting = cli.check(await client.call('meetings.get', { uuid, account: str(flags, 'account') }));
      if (typeof meeting === 'number') return meeting;
      if (flags.json) return cli.json(meeting), EXIT.ok;
      cli.out(`${meeting.topic}\n${dateTime(meeting.startTime)} · ${meeting.durationMinutes} min · meeting ${meeting.meetingId} · ${meeting.uuid}\n`);
      if (meeting.participants.length === 0) return cli.out('No participant list (Zoom lists none for meetings with one attendee).'), EXIT.ok;
      cli.out(
        table(meeting.participants, [
          { header: 'NAME', value: (p) => p.name, maxWidth: 32 },
          { header: 'EMAIL', value: (p) => p.email ?? '-', maxWidth: 36 },
          { header: 'JOINED', value: (p) => dateTime(p.joinTime) },
          { header: 'STAYED', value: (p) => duration(p.durationSeconds), align: 'right' },
        ]),
      );
      return EXIT.ok;
    },
  },

  calls: {
    summary: 'Zoom Phone call history, newest first',
    usage: 'callvault calls [--since 30d] [--until DATE] [--account KEY] [--limit 50] [--cursor C] [--json]',
    options: listFlags,
    async run(cli, client, flags) {
      const page = cli.check(await client.call('calls.list', listParams(cli, flags)));
      if (typeof page === 'number') return page;
      if (flags.json) return cli.json(page), EXIT.ok;
      if (page.items.length === 0) return cli.out('No calls.'), moreHint(cli, page), EXIT.ok;
      cli.out(
        table(page.items, [
          { header: 'START', value: (c) => dateTime(c.startTime) },
          { header: 'DIR', value: (c) => c.direction },
          { header: 'FROM', value: (c) => [c.callerName, c.callerNumber].filter(Boolean).join(' '), maxWidth: 36 },
          { header: 'TO', value: (c) => [c.calleeName, c.calleeNumber].filter(Boolean).join(' '), maxWidth: 36 },
          { header: 'RESULT', value: (c) => c.result ?? '-' },
          { header: 'TALK', value: (c) => duration(c.talkTimeSeconds), align: 'right' },
        ]),
      );
      moreHint(cli, page);
      return EXIT.ok;
    },
  },

  recordings: {
    summary: 'Cloud recording metadata, newest first',
    usage: 'callvault recordings [--since 30d] [--until DATE] [--account KEY] [--limit 50] [--cursor C] [--json]',
    options: listFlags,
    async run(cli, client, flags) {
      const page = cli.check(await client.call('recordings.list', listParams(cli, flags)));
      if (typeof page === 'number') return page;
      if (flags.json) return cli.json(page), EXIT.ok;
      if (page.items.length === 0) return cli.out('No recordings.'), moreHint(cli, page), EXIT.ok;
      cli.out(
        table(page.items, [
          { header: 'START', value: (r) => dateTime(r.startTime) },
          { header: 'MIN', value: (r) => String(r.durationMinutes), align: 'right' },
          { header: 'FILES', value: (r) => String(r.files.length), align: 'right' },
          { header: 'SIZE', value: (r) => (r.totalSize === null ? '-' : bytes(r.totalSize)), align: 'right' },
          { header: 'TOPIC', value: (r) => r.topic, maxWidth: 48 },
          // What `callvault meeting <uuid>` takes.
          { header: 'UUID', value: (r) => r.meetingUuid },
        ]),
      );
      moreHint(cli, page);
      return EXIT.ok;
    },
  },

  search: {
    summary: 'Full-text search over topics, participants and call parties',
    usage: 'callvault search <words...> [--account KEY] [--limit 50] [--cursor C] [--json]',
    options: { account, limit: { type: 'string' }, cursor: { type: 'string' }, json },
    positionals: true,
    async run(cli, client, flags, args) {
      const q = args.join(' ').trim();
      if (!q) throw new UsageError('give some words to look for');
      const found = cli.check(await client.call('search', { q, account: str(flags, 'account'), limit: limit(flags, 200), cursor: str(flags, 'cursor') }));
      if (typeof found === 'number') return found;
      if (flags.json) return cli.json(found), EXIT.ok;
      if (found.hits.length === 0) return cli.out('Nothing found.'), moreHint(cli, found), EXIT.ok;
      cli.out(
        table(found.hits, [
          { header: 'WHEN', value: (h) => dateTime(h.time) },
          { header: 'KIND', value: (h) => h.kind },
          { header: 'MATCH', value: (h) => h.snippet, maxWidth: 60 },
          { header: 'REF', value: (h) => h.ref },
        ]),
      );
      moreHint(cli, found);
      return EXIT.ok;
    },
  },

  sync: {
    summary: 'Sync now (all accounts, or one); --wait shows progress until done',
    usage: 'callvault sync [--account KEY] [--wait]',
    options: { account, wait: { type: 'boolean' } },
    async run(cli, client, flags) {
      const pending = new Set<string>();
      const progress = new Map<string, number>();
      let finished: (() => void) | null = null;
      const done = new Promise<void>((resolve) => (finished = resolve));
      const failures: string[] = [];
      const tty = Boolean(cli.io.stdout.isTTY);
      if (flags.wait) {
        await client.on('sync.progress', (e) => {
          progress.set(e.accountKey, e.progress);
          if (tty) cli.io.stdout.write(`\r${progressBar(average(progress))} `);
        });
        await client.on('sync.done', (e) => {
          if (!pending.delete(e.accountKey)) return;
          if (e.error) failures.push(`${e.accountKey}: ${e.error}`);
          if (pending.size === 0) finished?.();
        });
      }
      const started = cli.check(await client.call('sync.now', { account: str(flags, 'account') }));
      if (typeof started === 'number') return started;
      if (started.started.length === 0) return cli.out('Nothing to sync (no connected account, or sync already queued).'), EXIT.ok;
      if (!flags.wait) return cli.out(`Sync started: ${started.started.join(', ')}`), EXIT.ok;
      for (const key of started.started) pending.add(key);
      const ended = await Promise.race([done.then(() => 'done' as const), stopped(cli, client)]);
      if (tty) cli.io.stdout.write('\n');
      if (ended === 'daemon-gone') return daemonGone(cli);
      if (ended === 'aborted') return cli.out('Stopped waiting; the sync goes on in the daemon.'), EXIT.ok;
      if (failures.length > 0) {
        cli.error(`sync finished with problems: ${failures.join('; ')}`);
        return EXIT.error;
      }
      cli.out('Sync done.');
      return EXIT.ok;
    },
  },

  purge: {
    summary: 'Delete local data now (one account or all), with a signed receipt',
    usage: 'callvault purge (--account KEY | --all) [--yes]',
    options: { account, all: { type: 'boolean' }, yes: { type: 'boolean' }, json },
    async run(cli, client, flags) {
      const key = str(flags, 'account');
      if ((key === undefined) === !flags.all) throw new UsageError('give exactly one of --account KEY or --all');
      const unconfirmed = await confirmDeletion(cli, flags, key ? `Delete all local data of account ${key}?` : 'Delete ALL local data of every account?', 'not confirmed; nothing was deleted');
      if (unconfirmed !== null) return unconfirmed;
      const purged = cli.check(await client.call('purge', key ? { account: key, confirm: true } : { all: true, confirm: true }));
      if (typeof purged === 'number') return purged;
      if (flags.json) return cli.json(purged), EXIT.ok;
      cli.out(purged.receiptIds.length === 0 ? 'Nothing to delete.' : `Deleted. Receipts: ${purged.receiptIds.join(', ')} (see callvault receipts)`);
      return EXIT.ok;
    },
  },

  receipts: {
    summary: 'Signed deletion receipts, newest first',
    usage: 'callvault receipts [--account KEY] [--json]',
    options: { account, json },
    async run(cli, client, flags) {
      const list = cli.check(await client.call('receipts.list', { account: str(flags, 'account') }));
      if (typeof list === 'number') return list;
      if (flags.json) return cli.json(list), EXIT.ok;
      if (list.receipts.length === 0) return cli.out('No receipts: nothing has been wiped.'), EXIT.ok;
      cli.out(
        table(list.receipts, [
          { header: 'COMPLETED', value: (r) => dateTime(r.completedAt) },
          { header: 'REASON', value: (r) => r.reason },
          { header: 'ZOOM USER', value: (r) => r.zoomUserId },
          { header: 'FILES', value: (r) => String(r.filesRemoved), align: 'right' },
          { header: 'BYTES', value: (r) => bytes(r.bytesRemoved), align: 'right' },
          { header: 'VERIFIED', value: (r) => (r.verified ? 'yes' : 'NO') },
          { header: 'ERASED BY', value: (r) => (r.method ? `${r.method}${r.keyCustody ? ` (key in ${r.keyCustody})` : ''}` : 'overwrite') },
          { header: 'AT RELAY', value: (r) => (r.acked ? 'yes' : 'pending') },
          { header: 'ID', value: (r) => r.id },
        ]),
      );
      return EXIT.ok;
    },
  },

  watch: {
    summary: 'Follow what the daemon does, one line per change; --json for the raw events (Ctrl-C to stop)',
    usage: 'callvault watch [--json]',
    options: { json },
    async run(cli, client, flags) {
      const narrator = new Narrator();
      for (const topic of TOPICS) {
        await client.on(topic, (data: EventDataOf<Topic>) => {
          if (flags.json) return cli.out(JSON.stringify({ event: topic, data }));
          const line = narrator.line(topic, data, cli.io.now());
          if (line !== null) cli.out(line);
        });
      }
      if (!flags.json) cli.out('Watching daemon events; Ctrl-C to stop.');
      if ((await stopped(cli, client)) === 'daemon-gone') return daemonGone(cli);
      return EXIT.ok;
    },
  },

  connect: {
    summary: 'Connect a Zoom account (opens the Zoom sign-in in your browser)',
    usage: 'callvault connect [--no-browser]',
    options: { 'no-browser': { type: 'boolean' } },
    async run(cli, client, flags) {
      let settle: ((e: EventDataOf<'account.connected'>) => void) | null = null;
      const outcomes = new Map<string, EventDataOf<'account.connected'>>();
      await client.on('account.connected', (e) => {
        outcomes.set(e.loginId, e);
        settle?.(e);
      });
      const login = cli.check(await client.call('accounts.connect', {}));
      if (typeof login === 'number') return login;
      const opened = flags['no-browser'] ? false : await openUrlInBrowser(login.url);
      cli.out(opened ? 'Opened the Zoom sign-in in your browser. Waiting for you to finish there…' : `Open this address in a browser to sign in to Zoom:\n\n  ${login.url}\n\nWaiting…`);
      const outcome =
        outcomes.get(login.loginId) ??
        (await Promise.race([
          new Promise<EventDataOf<'account.connected'>>((resolve) => (settle = (e) => e.loginId === login.loginId && resolve(e))),
          stopped(cli, client),
        ]));
      if (outcome === 'daemon-gone') return daemonGone(cli);
      if (outcome === 'aborted') return cli.out('Stopped waiting.'), EXIT.ok;
      if (outcome.outcome !== 'connected') {
        cli.error(`the sign-in ${outcome.outcome === 'cancelled' ? 'was cancelled' : 'failed'}; nothing was stored`);
        return EXIT.error;
      }
      cli.out(`Connected as account ${outcome.accountKey}. The first sync has started: callvault sync --wait`);
      return EXIT.ok;
    },
  },

  disconnect: {
    summary: 'Revoke the Zoom grant and delete the account locally',
    usage: 'callvault disconnect --account KEY [--yes]',
    options: { account, yes: { type: 'boolean' } },
    async run(cli, client, flags) {
      const key = str(flags, 'account');
      if (!key) throw new UsageError('give --account KEY (callvault status lists the accounts)');
      const unconfirmed = await confirmDeletion(cli, flags, `Disconnect ${key} from Zoom and delete its local data?`, 'not confirmed; nothing changed');
      if (unconfirmed !== null) return unconfirmed;
      const done = cli.check(await client.call('accounts.disconnect', { account: key, confirm: true }));
      if (typeof done === 'number') return done;
      cli.out(`Disconnected and deleted. Receipt: ${done.receiptId}`);
      return EXIT.ok;
    },
  },
};

function average(progress: Map<string, number>): number {
  const values = [...progress.values()];
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Resolves when the user stops waiting (SIGINT) or the daemon closes the connection. Without the
 * second, a command waiting on a stopped daemon leaves nothing in the event loop and Node ends it
 * with exit code 13 (an unsettled top-level await) and no message.
 */
function stopped(cli: Cli, client: IpcClient): Promise<'aborted' | 'daemon-gone'> {
  return new Promise((resolve) => {
    const off = client.onStateChange((state) => {
      if (state === 'closed') resolve('daemon-gone');
    });
    void abortPromise(cli.io.signal).then(() => {
      off();
      resolve('aborted');
    });
  });
}

function daemonGone(cli: Cli): number {
  cli.error('the daemon stopped. Start it again with: callvault daemon');
  return EXIT.notRunning;
}

function abortPromise(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
