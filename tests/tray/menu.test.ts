import { describe, expect, it } from 'vitest';
import { ACCOUNT_SLOTS, buildMenu, MAX_TITLE_CHARS, QUIT_TOOLTIP, type MenuItemModel, type MenuModel } from '../../src/tray/menu.js';
import { armed, CONFIRM_WINDOW_MS, initialState, NOTICE_MS, withConnection, withEvent, withNotice, withStatus, type TrayState } from '../../src/tray/state.js';
import { ago, fromNow } from '../../src/platform/timeWords.js';
import { account, DAY, daemonStatus, HOUR, KEY_A, KEY_B, MINUTE, NOW } from './fixtures.js';

function stateOf(status: ReturnType<typeof daemonStatus>): TrayState {
  return withStatus(initialState(), status);
}

function itemOf(model: MenuModel, key: string): MenuItemModel {
  const found = model.items.find((i) => i.key === key);
  if (!found) throw new Error(`no item ${key}`);
  return found;
}

function headline(state: TrayState, now = NOW): string {
  return itemOf(buildMenu(state, now), 'headline').title;
}

/** What a person sees: the titles of the visible items, separators as '---'. */
function visibleTitles(model: MenuModel): string[] {
  return model.items.filter((i) => !i.hidden).map((i) => (i.separator ? '---' : i.title));
}

describe('the tray menu', () => {
  it('says "Synced 5 min ago" with a green icon when every account is synced and the relay is online', () => {
    const model = buildMenu(stateOf(daemonStatus([account()])), NOW);
    expect(model.icon).toBe('synced');
    expect(model.tooltip).toBe('callvault — Synced 5 min ago');
    expect(visibleTitles(model)).toEqual([
      'Synced 5 min ago',
      '---',
      'Sync now',
      'Pause syncing',
      '---',
      'Zoom user zuser-A — active',
      'Last sync 5 min ago · data expires in 6 days',
      'Disconnect and delete…',
      '---',
      'Purge all local data…',
      'Open history',
      '---',
      'Quit',
    ]);
  });

  it('reports the oldest sync of all accounts, so the headline holds for each', () => {
    const state = stateOf(daemonStatus([account(), account({ accountKey: KEY_B, lastSyncAt: NOW - 3 * HOUR })]));
    expect(headline(state)).toBe('Synced 3 hours ago');
    expect(headline(stateOf(daemonStatus([account(), account({ accountKey: KEY_B, lastSyncAt: null })])))).toBe('Not synced yet');
  });

  it('shows sync progress from the status, then from sync.progress events as they arrive', () => {
    const syncing = stateOf(daemonStatus([account({ syncing: { resource: 'meetings', progress: 0.25 } })]));
    expect(headline(syncing)).toBe('Syncing 25%');
    expect(buildMenu(syncing, NOW).icon).toBe('syncing');
    const later = withEvent(syncing, 'sync.progress', { accountKey: KEY_A, resource: 'meetings', progress: 0.4 });
    expect(headline(later)).toBe('Syncing 40%');
    expect(itemOf(buildMenu(later, NOW), 'account-0-detail').title).toBe('Syncing 40% · data expires in 6 days');
    const done = withEvent(later, 'sync.done', { accountKey: KEY_A, finishedAt: NOW, added: { meetings: 1, recordings: 0, calls: 0 }, error: null });
    // The event says the run ended; the status still says syncing until it is fetched again.
    expect(headline(withStatus(done, daemonStatus([account()])))).toBe('Synced 5 min ago');
  });

  it('drops progress from events once a fresh status says the account is no longer syncing', () => {
    const state = withEvent(stateOf(daemonStatus([account()])), 'sync.progress', { accountKey: KEY_A, resource: 'calls', progress: 0.9 });
    expect(headline(state)).toBe('Syncing 90%');
    expect(headline(withStatus(state, daemonStatus([account()])))).toBe('Synced 5 min ago');
  });

  it('says how long the data has left when the relay link is offline', () => {
    const offline = stateOf(daemonStatus([account()], { link: { state: 'offline', since: NOW - DAY } }));
    expect(headline(offline)).toBe('Offline — data expires in 6 days');
    expect(buildMenu(offline, NOW).icon).toBe('offline');
    // The headline follows the link as its events arrive.
    const back = withEvent(offline, 'link.state', { state: 'online', since: NOW });
    expect(headline(back)).toBe('Synced 5 min ago');
    const nearDeadline = stateOf(daemonStatus([account({ leaseDeadline: NOW + 5 * HOUR + 59 * MINUTE })], { link: { state: 'offline', since: NOW - DAY } }));
    expect(headline(nearDeadline)).toBe('Offline — data expires in 5 hours');
  });

  it('says the relay is not verified, with the deadline, while the link is unverified', () => {
    const unverified = stateOf(daemonStatus([account()], { link: { state: 'unverified', since: NOW - DAY } }));
    expect(headline(unverified)).toBe('Relay not verified — data expires in 6 days');
    expect(buildMenu(unverified, NOW).icon).toBe('offline');
    expect(headline(withEvent(unverified, 'link.state', { state: 'online', since: NOW }))).toBe('Synced 5 min ago');
  });

  it('says so when the device key is out of reach: the vaults stay closed, whatever else is going on', () => {
    const locked = stateOf(daemonStatus([account({ lastError: 'NETWORK' })], { keys: { custody: 'keyring', state: 'locked', detail: 'the OS credential store is locked' } }));
    expect(headline(locked)).toBe('Keyring locked — unlock it to open the local copy');
    expect(buildMenu(locked, NOW).icon).toBe('error');
    const gone = stateOf(daemonStatus([account()], { keys: { custody: 'keyring', state: 'unavailable', detail: null } }));
    expect(headline(gone)).toBe('No keyring answers — the local copy stays closed');
    expect(headline(stateOf(daemonStatus([account()], { keys: { custody: 'file', state: 'ready', detail: null } })))).toBe('Synced 5 min ago');
  });

  it('asks for sign-in before reporting errors, and shortens long error reasons', () => {
    const needsAuth = stateOf(daemonStatus([account({ lastError: 'NETWORK' }), account({ accountKey: KEY_B, zoomUserId: 'zuser-B', state: 'needs-auth' })]));
    expect(headline(needsAuth)).toBe('Needs sign-in');
    expect(buildMenu(needsAuth, NOW).icon).toBe('needs-sign-in');
    expect(itemOf(buildMenu(needsAuth, NOW), 'account-1').title).toBe('Zoom user zuser-B — needs sign-in');
    expect(itemOf(buildMenu(needsAuth, NOW), 'account-1-detail').title).toMatch(/^Sign in: callvault connect · data expires in /);

    const failing = stateOf(daemonStatus([account({ lastError: 'THROTTLED' })]));
    expect(headline(failing)).toBe('Error: THROTTLED');
    expect(buildMenu(failing, NOW).icon).toBe('error');
    expect(headline(stateOf(daemonStatus([account({ lastError: 'x'.repeat(100) })])))).toBe(`Error: ${'x'.repeat(MAX_TITLE_CHARS - 8)}…`);
  });

  it('has a line for no account, and for accounts whose data is gone', () => {
    const none = buildMenu(stateOf(daemonStatus([])), NOW);
    expect(itemOf(none, 'headline').title).toBe('No Zoom account connected');
    expect(itemOf(none, 'accounts-none').hidden).toBe(false);
    expect(itemOf(none, 'sync-now').enabled).toBe(false);
    expect(itemOf(none, 'purge-all').enabled).toBe(false);

    const wiped = buildMenu(stateOf(daemonStatus([account({ state: 'expired', leaseDeadline: NOW - HOUR })])), NOW);
    expect(itemOf(wiped, 'headline').title).toBe('Local data deleted');
    expect(itemOf(wiped, 'account-0').title).toBe('Zoom user zuser-A — expired, deleted');
    expect(itemOf(wiped, 'account-0-detail').hidden).toBe(true);
    expect(itemOf(wiped, 'account-0-disconnect').hidden).toBe(true);
    expect(headline(stateOf(daemonStatus([account({ state: 'wiping' })])))).toBe('Deleting local data…');
  });

  it('after a purge: says "Local data deleted" once, and nothing about syncing an account whose data is gone', () => {
    // What the daemon reports for a purged account: no sync time, no deadline.
    const purged = daemonStatus([account({ state: 'wiped', lastSyncAt: null, leaseDeadline: null, nextSyncAt: null })]);
    const model = buildMenu(withNotice(stateOf(purged), 'Purge done: 1 signed receipt kept (callvault receipts)', NOW), NOW);
    const titles = visibleTitles(model);
    expect(titles.filter((t) => /local data deleted/i.test(t))).toEqual(['Local data deleted']);
    expect(titles.filter((t) => /sync/i.test(t) && t !== 'Sync now' && t !== 'Pause syncing')).toEqual([]);
    expect(titles).toContain('Zoom user zuser-A — deleted, receipt kept');
  });

  it('lists the accounts that hold data first, so the five sections show what can still be acted on', () => {
    const gone = Array.from({ length: 3 }, (_, i) => account({ accountKey: `a_${String(i).padStart(24, '0')}`, zoomUserId: `gone${i}`, state: 'wiped' }));
    const live = Array.from({ length: ACCOUNT_SLOTS }, (_, i) => account({ accountKey: `a_${String(i + 10).padStart(24, '0')}`, zoomUserId: `live${i}` }));
    const model = buildMenu(stateOf(daemonStatus([...gone, ...live])), NOW);
    for (let slot = 0; slot < ACCOUNT_SLOTS; slot++) expect(itemOf(model, `account-${slot}`).title).toBe(`Zoom user live${slot} — active`);
    expect(itemOf(model, 'accounts-more').title).toBe('…and 3 more accounts (run: callvault status)');
  });

  it('turns grey and disables what needs the daemon while it is away', () => {
    const away = withConnection(stateOf(daemonStatus([account()])), 'reconnecting');
    const model = buildMenu(away, NOW);
    expect(model.icon).toBe('disconnected');
    expect(itemOf(model, 'headline').title).toBe('Daemon not running — reconnecting…');
    for (const key of ['sync-now', 'pause', 'purge-all']) expect(itemOf(model, key).enabled).toBe(false);
    // Stale account lines are not shown as if they were current.
    expect(itemOf(model, 'account-0').hidden).toBe(true);
    expect(itemOf(model, 'open-history').enabled).toBe(true);
    expect(itemOf(model, 'quit').enabled).toBe(true);
    expect(buildMenu(initialState(), NOW).items.find((i) => i.key === 'headline')?.title).toBe('Connecting to the daemon…');
  });

  it('checks "Pause syncing" while paused, and a click asks for the other state', () => {
    const running = buildMenu(stateOf(daemonStatus([account()])), NOW);
    expect(itemOf(running, 'pause')).toMatchObject({ checked: false, action: { kind: 'set-paused', paused: true } });
    const paused = buildMenu(stateOf(daemonStatus([account()], { syncPaused: true })), NOW);
    expect(itemOf(paused, 'pause')).toMatchObject({ checked: true, action: { kind: 'set-paused', paused: false } });
    expect(itemOf(paused, 'headline').title).toBe('Synced 5 min ago · paused');
  });

  it('purges only on a second click within 10 s', () => {
    const state = stateOf(daemonStatus([account()]));
    const first = itemOf(buildMenu(state, NOW), 'purge-all');
    expect(first).toMatchObject({ title: 'Purge all local data…', action: { kind: 'arm', target: { kind: 'purge-all' } } });

    const waiting = armed(state, { kind: 'purge-all' }, NOW);
    const second = itemOf(buildMenu(waiting, NOW + CONFIRM_WINDOW_MS - 1), 'purge-all');
    expect(second).toMatchObject({ title: 'Click again within 10 s to delete everything', action: { kind: 'purge-all' } });

    const tooLate = itemOf(buildMenu(waiting, NOW + CONFIRM_WINDOW_MS), 'purge-all');
    expect(tooLate).toMatchObject({ title: 'Purge all local data…', action: { kind: 'arm' } });
  });

  it('gives each account its section with a two-step "Disconnect and delete…"', () => {
    const state = stateOf(daemonStatus([account(), account({ accountKey: KEY_B, zoomUserId: 'zuser-B' })]));
    const model = buildMenu(armed(state, { kind: 'disconnect', accountKey: KEY_B }, NOW), NOW + 1000);
    expect(itemOf(model, 'account-0-disconnect')).toMatchObject({ title: 'Disconnect and delete…', action: { kind: 'arm', target: { kind: 'disconnect', accountKey: KEY_A } } });
    expect(itemOf(model, 'account-1').title).toBe('Zoom user zuser-B — active');
    expect(itemOf(model, 'account-1-disconnect')).toMatchObject({
      title: 'Click again within 10 s to disconnect and delete',
      action: { kind: 'disconnect', accountKey: KEY_B },
    });
    // Arming one account's disconnect does not arm the purge.
    expect(itemOf(model, 'purge-all').action).toEqual({ kind: 'arm', target: { kind: 'purge-all' } });
  });

  it('keeps one shape in every state, because the native tray cannot add or remove items', () => {
    const many = Array.from({ length: ACCOUNT_SLOTS + 2 }, (_, i) => account({ accountKey: `a_${String(i).padStart(24, '0')}`, zoomUserId: `u${i}` }));
    const states: TrayState[] = [
      initialState(),
      stateOf(daemonStatus([])),
      stateOf(daemonStatus([account()])),
      stateOf(daemonStatus(many)),
      withConnection(stateOf(daemonStatus(many)), 'reconnecting'),
      withNotice(armed(stateOf(daemonStatus([account()])), { kind: 'purge-all' }, NOW), 'Sync now failed: BUSY', NOW),
    ];
    const shapes = states.map((s) => buildMenu(s, NOW).items.map((i) => `${i.key}${i.separator ? ':sep' : ''}`));
    for (const shape of shapes) expect(shape).toEqual(shapes[0]);

    const crowded = buildMenu(stateOf(daemonStatus(many)), NOW);
    expect(itemOf(crowded, 'accounts-more')).toMatchObject({ hidden: false, title: '…and 2 more accounts (run: callvault status)' });
    expect(itemOf(crowded, `account-${ACCOUNT_SLOTS - 1}`).title).toBe(`Zoom user u${ACCOUNT_SLOTS - 1} — active`);
  });

  it('keeps every line short: its own words whole, outside words (errors, notices) cut with an ellipsis', () => {
    // Zoom user ids are 22 characters.
    const id = (n: number): string => `u${String(n).padStart(21, 'W')}`;
    const states = [
      ...(['connecting', 'active', 'needs-auth', 'wiping', 'wiped', 'expired'] as const).map((state, i) =>
        stateOf(daemonStatus([account({ accountKey: `a_${String(i).padStart(24, '0')}`, zoomUserId: id(i), state, lastSyncAt: NOW - 23 * HOUR, leaseDeadline: NOW + 23 * HOUR })])),
      ),
      stateOf(daemonStatus(Array.from({ length: ACCOUNT_SLOTS + 12 }, (_, i) => account({ accountKey: `a_${String(i).padStart(24, '0')}`, zoomUserId: id(i), syncing: { resource: 'recordings', progress: 1 } })))),
      stateOf(daemonStatus([account({ zoomUserId: id(0) })], { link: { state: 'offline', since: NOW - DAY } })),
      stateOf(daemonStatus([])),
      withConnection(stateOf(daemonStatus([account()])), 'reconnecting'),
      armed(armed(stateOf(daemonStatus([account({ zoomUserId: id(0) })])), { kind: 'purge-all' }, NOW), { kind: 'disconnect', accountKey: KEY_A }, NOW),
    ];
    for (const state of states) {
      for (const title of visibleTitles(buildMenu(state, NOW))) {
        expect(title.length, title).toBeLessThanOrEqual(MAX_TITLE_CHARS);
        // A cut line is exactly as long as allowed and ends with an ellipsis.
        expect(title.length === MAX_TITLE_CHARS && title.endsWith('…'), `a line of the menu’s own words was cut: ${title}`).toBe(false);
      }
    }
    const loud = withNotice(stateOf(daemonStatus([account({ lastError: 'E'.repeat(200) })])), 'N'.repeat(200), NOW);
    for (const title of visibleTitles(buildMenu(loud, NOW))) expect(title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
  });

  it('shows a notice under the headline for 30 s', () => {
    const state = withNotice(stateOf(daemonStatus([account()])), 'No terminal found: run callvault meetings', NOW);
    expect(itemOf(buildMenu(state, NOW + NOTICE_MS - 1), 'notice')).toMatchObject({ hidden: false, enabled: false, title: 'No terminal found: run callvault meetings' });
    expect(itemOf(buildMenu(state, NOW + NOTICE_MS), 'notice').hidden).toBe(true);
  });

  it('says in the Quit tooltip that the daemon keeps running and keeps deleting expired data', () => {
    const quit = itemOf(buildMenu(stateOf(daemonStatus([account()])), NOW), 'quit');
    expect(quit.action).toEqual({ kind: 'quit' });
    expect(quit.tooltip).toBe(QUIT_TOOLTIP);
    expect(QUIT_TOOLTIP).toMatch(/daemon keeps running and keeps deleting data whose lease runs out/);
  });

  it('uses one icon per state', () => {
    const icons = [
      buildMenu(stateOf(daemonStatus([account()])), NOW).icon,
      buildMenu(stateOf(daemonStatus([account({ syncing: { resource: 'calls', progress: 0 } })])), NOW).icon,
      buildMenu(stateOf(daemonStatus([account()], { link: { state: 'offline', since: null } })), NOW).icon,
      buildMenu(stateOf(daemonStatus([account({ state: 'needs-auth' })])), NOW).icon,
      buildMenu(stateOf(daemonStatus([account({ lastError: 'INTERNAL' })])), NOW).icon,
      buildMenu(stateOf(daemonStatus([])), NOW).icon,
      buildMenu(withConnection(initialState(), 'reconnecting'), NOW).icon,
    ];
    expect(icons).toEqual(['synced', 'syncing', 'offline', 'needs-sign-in', 'error', 'idle', 'disconnected']);
  });
});

describe('time words', () => {
  it('rounds down, so an expiry is never promised later than it is', () => {
    expect(fromNow(NOW + 6 * DAY + 23 * HOUR, NOW)).toBe('in 6 days');
    expect(fromNow(NOW + DAY + 23 * HOUR, NOW)).toBe('in 1 day');
    expect(fromNow(NOW + 90 * MINUTE, NOW)).toBe('in 1 hour');
    expect(fromNow(NOW + 30 * 1000, NOW)).toBe('in 1 min');
    expect(fromNow(NOW - 1, NOW)).toBe('now');
    expect(ago(NOW - 59 * 1000, NOW)).toBe('just now');
    expect(ago(NOW - 5 * MINUTE, NOW)).toBe('5 min ago');
    expect(ago(NOW - 3 * DAY, NOW)).toBe('3 days ago');
  });
});
