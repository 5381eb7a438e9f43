import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { apiError, type ApiError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { VERSION } from '../core/version.js';
import { PROTOCOL_VERSION } from '../ipc/protocol.js';
import { startIpcServer, type IpcServer } from '../ipc/server.js';
import type { Config } from '../platform/config.js';
import { hasDisplay } from '../platform/display.js';
import { acquireInstance, describeInstanceError, type InstanceHandle } from '../platform/instance.js';
import type { Logger } from '../platform/logger.js';
import type { AppPaths } from '../platform/paths.js';
import { fileKeyStore, keyringKeyStore } from '../guard/deviceKeyStore.js';
import { VaultKeys } from '../guard/vaultKeys.js';
import { openControl, type ControlDb } from '../store/index.js';
import { revokeToken } from '../zoom/index.js';
import { AccountHost } from './accounts.js';
import { EventBus } from './events.js';
import { Guardian } from './guardian.js';
import { Changes } from './changes.js';
import { createHandlers } from './handlers.js';
import { Logins } from './logins.js';
import type { RelayService } from './relayService.js';
import { SyncService } from './syncService.js';
import { TrayProcess } from './trayProcess.js';
import { handleZoomEvent } from './zoomEvents.js';

/** How long start-up waits for the relay's pending wipes before serving anyway. */
const RELAY_CATCH_UP_MS = 3000;

export interface DaemonOptions {
  paths: AppPaths;
  config: Config;
  log: Logger;
  clock?: Clock;
  /** Skip the sync at start (tests that drive syncs themselves). */
  syncAtStart?: boolean;
  /** Start the tray process when a display exists and the config allows (the daemon command does). */
  startTray?: boolean;
  /** Check every IPC result and event against the protocol's schemas (the tests' daemons do). */
  validateResults?: boolean;
}

export type StartError = { kind: 'already-running'; message: string } | { kind: 'failed'; message: string };

export interface Daemon {
  readonly socketPath: string;
  readonly tokenFile: string;
  /** Stops in the fixed order of STYLE.md. Stopping twice is harmless. */
  stop(): Promise<void>;
}

/**
 * Starts the daemon. Order matters (DESIGN.md invariant 2, issue 3): the instance lock, then the
 * guard step (interrupted wipes finished, expired leases wiped), then the IPC socket, then the
 * relay link, then the schedule.
 */
export async function startDaemon(options: DaemonOptions): Promise<Result<Daemon, StartError>> {
  const { paths, config, log } = options;
  const clock = options.clock ?? systemClock;
  for (const dir of [paths.data, paths.logs, paths.runtime]) mkdirSync(dir, { recursive: true, mode: 0o700 });

  const instance = await acquireInstance(paths, { clock });
  if (!instance.ok) {
    const message = describeInstanceError(instance.error);
    return err({ kind: instance.error.kind === 'already-running' ? 'already-running' : 'failed', message });
  }
  const control = openControl(join(paths.data, 'control.db'), { clock });
  if (!control.ok) {
    instance.value.release();
    return err({ kind: 'failed', message: `control.db: ${control.error.message}` });
  }
  try {
    return ok(await compose({ ...options, clock }, instance.value, control.value));
  } catch (e) {
    control.value.close();
    instance.value.release();
    throw e;
  }
}

async function compose(options: DaemonOptions & { clock: Clock }, instance: InstanceHandle, control: ControlDb): Promise<Daemon> {
  const { paths, config, log, clock } = options;
  const startedAt = clock.now();
  const changes = new Changes();
  const events = new EventBus(changes);
  let relay: RelayService | null = null;
  let syncPaused = control.getMeta('sync.paused') === 'true';

  // The parts refer to each other through these late-bound functions; each is set below.
  let guardian!: Guardian;
  let syncs!: SyncService;

  // The device key first: a wipe resumed below replaces it. Unavailable (a locked keyring), the
  // daemon still starts, wipes and says why in `status`; the vaults stay closed until it is back.
  const keys = await VaultKeys.open({
    control,
    choice: config.keyStore,
    stores: { keyring: () => keyringKeyStore(control.device().deviceId), file: () => fileKeyStore(join(paths.data, 'keys')) },
    clock,
    log,
  });

  const host = new AccountHost({
    control,
    keys,
    paths,
    config,
    clock,
    log,
    onGrantAlive: (accountKey) => guardian.recordProof(accountKey, 'zoom'),
    sync: (account, signal) => syncs.run(account, signal),
    changes,
  });
  guardian = new Guardian({
    control,
    host,
    keys,
    paths,
    leaseDays: config.lease.days,
    clock,
    log,
    events,
    onReceipt: () => relay?.flushReceipts(),
    onKeysBack: () => {
      log.info({ custody: keys.status().custody }, 'device key available again');
      changes.bump();
      const opened = host.openHeld();
      if (opened.length > 0 && !syncPaused) syncs.trigger(opened);
    },
  });
  syncs = new SyncService({
    config,
    clock,
    log,
    events,
    accounts: () => host.all(),
    mayRun: (accountKey) => guardian.servable(accountKey).ok,
    onDeadGrant: (accountKey) => {
      log.warn({ account: accountKey }, 'Zoom says the grant is dead; wiping');
      void guardian.wipe(accountKey, 'dead-grant');
    },
    setAccountState: (accountKey, state) => {
      const current = control.accounts.get(accountKey)?.state;
      if ((current === 'active' || current === 'needs-auth') && current !== state) control.accounts.setState(accountKey, state, clock.now());
    },
    meetingEventsSince: (accountKey) => relay?.enrolledAt(accountKey) ?? null,
    afterSync: (account) => {
      if (!relay || relay.isEnrolled(account.accountKey)) return;
      void account.zoom.tokens.accessToken().then((token) => {
        if (token.ok) return relay?.enroll(account.accountKey, token.value);
      });
    },
  });
  const logins = new Logins({
    control,
    keys,
    paths,
    config,
    clock,
    log,
    events,
    onConnected: async (account, tokens) => {
      const live = host.open(account);
      guardian.recordProof(account.accountKey, 'zoom');
      if (relay) await relay.enroll(account.accountKey, tokens.accessToken);
      if (live && !syncPaused) syncs.trigger([live]);
    },
  });

  // 1. The guard step, before anything can be served.
  await guardian.startUp();
  host.openHeld();

  // 2. The relay link. When the device is enrolled, the relay's pending wipes are carried out
  // before the socket serves anything (bounded: an unreachable relay leaves it to the lease).
  if (config.relay) {
    // Loaded only with a relay configured: the websocket library is a few MB of an idle daemon.
    const { RelayService } = await import('./relayService.js');
    relay = new RelayService({
      relay: config.relay,
      control,
      clock,
      log,
      events,
      leaseDeadline: (accountKey) => guardian.leases.deadlineOf(accountKey),
      onLease: (accountKey, lease) => guardian.recordProof(accountKey, 'relay', lease.validUntil),
      onWipe: async (accountKeys, command) => {
        const held = accountKeys.filter((key) => control.accounts.get(key)?.state !== 'wiped');
        // A command for data already gone is still answered: a verified receipt for nothing left.
        const targets = held.length > 0 ? held : accountKeys.slice(-1);
        for (const [i, key] of targets.entries()) {
          await guardian.wipe(key, command.reason, i === 0 ? command.commandId : undefined);
        }
      },
      onZoomEvent: (accountKeys, notice) =>
        handleZoomEvent(
          {
            account: (key) => host.get(key),
            mayStore: (key) => guardian.servable(key).ok,
            requestSync: (keys) => {
              if (!syncPaused) syncs.trigger(keys.map((key) => host.get(key)).filter((a) => a !== null));
            },
            events,
            clock,
            log,
          },
          accountKeys,
          notice,
        ),
    });
    const caughtUp = await relay.caughtUp(RELAY_CATCH_UP_MS);
    log.info({ caughtUp }, 'relay link checked before serving');
  }


  const wipeAccount = async (accountKey: string, reason: 'user-purge' | 'disconnect'): Promise<Result<string, ApiError>> => guardian.wipe(accountKey, reason);

  // 3. IPC.
  const server = await startIpcServer({
    socketPath: instance.socketPath,
    tokenFile: instance.tokenFile,
    log,
    version: VERSION,
    clock,
    validateResults: options.validateResults ?? false,
    holding: (topic) => (topic === 'lease.warning' ? guardian.leaseWarnings() : []),
    handlers: createHandlers({
      control,
      host,
      startedAt,
      version: VERSION,
      protocol: PROTOCOL_VERSION,
      clock,
      changes: () => changes.count,
      trustedNow: () => guardian.time.now(),
      link: () => relay?.state ?? { state: 'disabled', since: null },
      keys: () => keys.status(),
      syncPaused: () => syncPaused,
      setSyncPaused: (paused) => {
        syncPaused = paused;
        syncs.paused = paused;
        control.setMeta('sync.paused', String(paused));
      },
      nextSyncAt: () => syncs.nextRunAt,
      leaseDeadline: (accountKey) => guardian.leases.deadlineOf(accountKey),
      meetingEventsSince: (accountKey) => relay?.enrolledAt(accountKey) ?? null,
      servable: (accountKey) => guardian.servable(accountKey),
      triggerSync: (accountKey) => {
        if (accountKey === undefined) return ok(syncs.trigger());
        const readable = host.readable(accountKey);
        if (!readable.ok) return readable;
        const servable = guardian.servable(accountKey);
        return servable.ok ? ok(syncs.trigger(readable.value)) : servable;
      },
      connect: () => logins.start(),
      disconnect: async (accountKey) => {
        const account = control.accounts.get(accountKey);
        if (!account || account.state === 'wiped') return err(apiError('NOT_FOUND', `no connected account ${accountKey}`));
        const live = host.get(accountKey);
        const tokens = live?.vault.isOpen ? live.vault.getTokens() : null;
        if (tokens && config.zoom.clientId) {
          const revoked = await revokeToken({ oauthUrl: config.zoom.oauthUrl, clientId: config.zoom.clientId }, tokens.refreshToken, { clock });
          // The local copy goes either way: the user asked for it.
          if (!revoked.ok) log.warn({ account: accountKey, failure: revoked.error.kind }, 'revoke at Zoom failed; wiping anyway');
        }
        return wipeAccount(accountKey, 'disconnect');
      },
      purge: (accountKey) => {
        const account = control.accounts.get(accountKey);
        if (!account) return Promise.resolve(err(apiError('NOT_FOUND', `no account ${accountKey}`)));
        // Its data is gone already: the receipt that proves it answers, not a second deletion.
        const existing = account.state === 'wiped' ? guardian.existingReceipt(accountKey) : null;
        if (existing) return Promise.resolve(ok(existing));
        return wipeAccount(accountKey, 'user-purge');
      },
    }),
  });
  if (!server.ok) throw new Error(`IPC server could not start: ${JSON.stringify(server.error)}`);
  events.attach((topic, data) => server.value.publish(topic, data));

  // The tray, when there is a display to show it on.
  const tray = options.startTray && config.tray.enabled && hasDisplay(process.env, process.platform) ? new TrayProcess(log, process.env) : null;
  tray?.start();

  // 4. The schedule and the lease checks.
  syncs.paused = syncPaused;
  syncs.start({ runNow: options.syncAtStart !== false });
  guardian.start();
  log.info({ pid: process.pid, accounts: host.all().length, relay: Boolean(config.relay) }, 'daemon started');

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info({}, 'daemon stopping');
      events.detach();
      await tray?.stop();
      await server.value.close();
      syncs.stop();
      logins.cancelAll();
      await host.stopAllSyncs();
      await relay?.stop();
      guardian.stop();
      await guardian.leases.check();
      host.closeAll();
      control.close();
      instance.release();
      log.info({}, 'daemon stopped');
    })();
    return stopping;
  };
  return { socketPath: instance.socketPath, tokenFile: instance.tokenFile, stop };
}
