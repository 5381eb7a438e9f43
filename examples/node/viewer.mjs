// What a local app does with the callvault daemon, with the typed client (callvault/client):
// status, a list page by page, a search, events, and a purge with its receipt.
//   node examples/node/viewer.mjs [--search WORDS] [--purge ACCOUNT_KEY]
// Inside another package: npm install callvault, and import from 'callvault/client' the same way.
import { parseArgs } from 'node:util';
import { connectIpc, daemonEndpoint, describeClientError } from 'callvault/client';

const { values: args } = parseArgs({ options: { search: { type: 'string' }, purge: { type: 'string' }, 'page-size': { type: 'string', default: '5' } } });
const limit = Number(args['page-size']);

function must(result, what) {
  if (!result.ok) throw new Error(`${what}: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

const connected = await connectIpc({ ...daemonEndpoint(), timeoutMs: 10_000 });
if (!connected.ok) {
  console.error(describeClientError(connected.error));
  process.exit(connected.error.kind === 'not-running' ? 3 : 1);
}
const client = connected.value;
try {
  const status = must(await client.call('status'), 'status');
  const now = status.serverTime; // the daemon's trusted clock: leases are decided by it
  console.log(`daemon ${status.daemonVersion}, protocol ${client.daemon.protocol}, ${status.accounts.length} account(s)`);
  for (const account of status.accounts) {
    const lease = account.leaseTimeLeftMs === null ? 'no data held' : `data expires in ${(account.leaseTimeLeftMs / 3_600_000).toFixed(1)} h${account.leaseWarning ? ' (warning)' : ''}`;
    console.log(`account ${account.accountKey}: ${account.state}, ${account.counts.meetings} meetings, ${lease}`);
  }

  // A list, two pages: the second continues where the first ended.
  const first = must(await client.call('meetings.list', { limit }), 'meetings.list');
  const second = first.nextCursor ? must(await client.call('meetings.list', { limit, cursor: first.nextCursor }), 'meetings.list page 2') : { items: [] };
  console.log(`page 1: ${first.items.length} meetings, page 2: ${second.items.length} meetings`);
  const seen = new Set(first.items.map((m) => m.uuid));
  if (second.items.some((m) => seen.has(m.uuid))) throw new Error('page 2 repeats page 1');
  for (const meeting of first.items.slice(0, 3)) console.log(`  ${Math.floor((now - meeting.startTime) / 86_400_000)} days ago  ${meeting.topic.slice(0, 48)}`);

  if (args.search) {
    let hits = 0;
    for (let cursor; ; ) {
      const page = must(await client.call('search', { q: args.search, limit: 20, cursor }), 'search');
      hits += page.hits.length;
      if (!(cursor = page.nextCursor ?? undefined)) break;
    }
    console.log(`search '${args.search}': ${hits} hits`);
  }

  if (args.purge) {
    let onWiped;
    const wiped = new Promise((resolve) => (onWiped = resolve));
    // Resolved once the daemon has the subscription: the purge below cannot be missed.
    const unsubscribe = must(await client.on('data.wiped', onWiped), 'subscribe');
    console.log('subscribed: data.wiped');
    const [receipt] = must(await client.call('purge', { account: args.purge, confirm: true }), 'purge').receiptIds;
    console.log(`purged ${args.purge}: receipt ${receipt}`);
    const event = await wiped;
    console.log(`event data.wiped ${event.accountKey} ${event.receiptId}`);
    await unsubscribe();
    const after = await client.call('meetings.list', { account: args.purge });
    if (after.ok) throw new Error('the wiped account was still served');
    console.log(`after the purge: ${after.error.code}`);
    const [again] = must(await client.call('purge', { account: args.purge, confirm: true }), 'purge again').receiptIds;
    console.log(`purge again: ${again === receipt ? 'same receipt' : `ANOTHER receipt ${again}`}`);
  }
} finally {
  await client.close();
}
