import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { systemClock } from '../core/clock.js';
import { err, ok, type Result } from '../core/result.js';
import { MAX_LEASE_DAYS } from '../platform/config.js';
import { silentLogger } from '../platform/logger.js';
import { CloudCopyDeleter, NO_CLOUD_COPY } from './cloudCopy.js';
import { adminWipe, dismissUnusable, listByStatus, listUnusable, userCompliance, type ComplianceDeps } from './compliance.js';
import { ContentSweeper } from './contentSweep.js';
import { DeviceHub } from './deviceHub.js';
import { handleEnroll } from './enroll.js';
import { liveness, readiness } from './health.js';
import { bearerOf, discardUnreadBody, errorReply, secretEquals, sha256Hex, textReply, writeJson } from './httpIo.js';
import { loadOrCreateRelayKey } from './keys.js';
import { LedgerUnavailableError } from './ledger.js';
import { defaultLedgerSpec, openLedger, parseLedgerSpec } from './ledgerSpec.js';
import { RelayMetrics } from './metrics.js';
import { reportRoute } from './reportRoute.js';
import { Router, type RouteHandler, type RouteOutcome } from './router.js';
import { DAY_MS, DEFAULT_LEASE_DAYS, RelaySigner } from './signer.js';
import type { Relay, RelayOptions, RelayStartError } from './types.js';
import { handleWebhook } from './webhook.js';
import { WebhookVerifier } from './webhookAuth.js';

/** A device message larger than this is refused (the largest, a hello, is a few KiB). */
const MAX_MESSAGE_BYTES = 256 * 1024;
const DEVICE_SOCKET_PATH = '/v1/devices/ws';

function startError(code: RelayStartError['code'], message: string): Result<never, RelayStartError> {
  return err({ code, message });
}

function checkOptions(o: RelayOptions): string | null {
  const leaseDays = o.leaseDays ?? DEFAULT_LEASE_DAYS;
  if (!Number.isFinite(leaseDays) || leaseDays <= 0 || leaseDays > MAX_LEASE_DAYS) return `leaseDays must be more than 0 and at most ${MAX_LEASE_DAYS}`;
  if (!o.webhookSecretToken) return 'webhookSecretToken must not be empty';
  if (!o.adminToken) return 'adminToken must not be empty';
  if (!/^https?:\/\//.test(o.zoomApiUrl)) return 'zoomApiUrl must be an http(s) URL';
  if (o.heartbeatMs !== undefined && !(o.heartbeatMs > 0)) return 'heartbeatMs must be positive';
  if (o.ledger !== undefined) {
    const spec = parseLedgerSpec(o.ledger);
    if (!spec.ok) return spec.error;
  }
  if (o.metricsToken !== undefined && !o.metricsToken) return 'metricsToken must not be empty';
  return null;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * The vendor's relay: Zoom webhooks, device enrollment, the device websocket and the compliance
 * ledger, on one port.
 */
export async function startRelay(options: RelayOptions): Promise<Result<Relay, RelayStartError>> {
  const problem = checkOptions(options);
  if (problem) return startError('BAD_OPTIONS', problem);
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger();

  const key = loadOrCreateRelayKey(options.keyFile ?? join(options.dataDir, 'relay-key.pem'));
  if (!key.ok) return startError('KEY', key.error);
  const spec = options.ledger === undefined ? ok(defaultLedgerSpec(options.dataDir)) : parseLedgerSpec(options.ledger);
  if (!spec.ok) return startError('BAD_OPTIONS', spec.error);
  const opened = await openLedger(spec.value, { clock, log });
  if (!opened.ok) return startError('LEDGER', opened.error);
  const { ledger, schema } = opened.value;
  if (schema.from !== schema.to) log.info({ from: schema.from, to: schema.to }, 'ledger schema migrated');

  const signer = new RelaySigner(key.value.privateKey, clock, (options.leaseDays ?? DEFAULT_LEASE_DAYS) * DAY_MS);
  // The metrics count the hub's devices (read at scrape time) and observe its receipts.
  const metrics = new RelayMetrics({ ledger, clock, log, connectedDevices: (): number => hub.size });
  const hub: DeviceHub = new DeviceHub({ ledger, signer, clock, log, metrics }, options.heartbeatMs);
  // Before devices can connect: every instance is listening by the time it is ready.
  await ledger.watch({ wake: (deviceIds) => hub.wake(deviceIds), rescan: () => hub.rescan() });
  const verifier = new WebhookVerifier(options.webhookSecretToken, clock);
  const cloudCopies = new CloudCopyDeleter(options.cloudCopy ?? NO_CLOUD_COPY, ledger, clock, log);
  const sweeper = new ContentSweeper({ ledger, clock, log, onSwept: (sweep, at) => metrics.contentSwept(sweep, at) });
  const compliance: ComplianceDeps = { ledger, signer, hub, log };

  /** A route that answers 401 unless the request bears `token`; no token leaves it open. */
  const bearing =
    (token: string | undefined, name: string) =>
    (handler: RouteHandler): RouteHandler =>
    async (request) => {
      const presented = bearerOf(request.req);
      if (token !== undefined && (presented === null || !secretEquals(presented, token))) return errorReply(401, 'UNAUTHORIZED', `the ${name} token is missing or wrong`);
      return handler(request);
    };
  const admin = bearing(options.adminToken, 'admin');
  const metricsAccess = bearing(options.metricsToken, 'metrics');
  const inFlight = new Set<Promise<void>>();
  let closing: Promise<void> | null = null;

  const router = new Router()
    .add('GET', '/healthz', liveness)
    .add('GET', '/readyz', () => readiness(ledger, () => closing !== null))
    .add('GET', '/metrics', metricsAccess(async () => textReply(200, metrics.contentType, await metrics.text())))
    .add('POST', '/zoom/webhook', ({ req }) => handleWebhook(req, { verifier, ledger, signer, hub, cloudCopies, clock, log }))
    .add('POST', '/v1/devices/enroll', ({ req }) => handleEnroll(req, { ledger, signer, clock, log, zoomApiUrl: options.zoomApiUrl }))
    .add('GET', DEVICE_SOCKET_PATH, async () => errorReply(426, 'UPGRADE_REQUIRED', 'this is the device websocket'))
    .add('GET', '/v1/compliance', admin((r) => listByStatus(r, compliance)))
    .add('GET', '/v1/compliance/:zoomAccountId/:zoomUserId', admin((r) => userCompliance(r, compliance)))
    .add('POST', '/v1/admin/wipe', admin(({ req }) => adminWipe(req, compliance)))
    .add('GET', '/v1/admin/unusable-events', admin((r) => listUnusable(r, compliance)))
    .add('DELETE', '/v1/admin/unusable-events/:id', admin((r) => dismissUnusable(r, compliance)))
    .add('GET', '/v1/report', admin((r) => reportRoute(r, { ledger, clock })));

  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const match = router.match(req.method ?? 'GET', url.pathname);
    let outcome: RouteOutcome;
    if (match === null) outcome = errorReply(404, 'NOT_FOUND', 'no such route');
    else if (match === 'wrong-method') outcome = errorReply(405, 'METHOD_NOT_ALLOWED', 'method not allowed');
    else {
      try {
        outcome = await match.handler({ req, params: match.params, query: url.searchParams });
      } catch (e) {
        if (!(e instanceof LedgerUnavailableError)) throw e;
        // Never a 200 for what was not recorded: Zoom retries a webhook answered 5xx.
        log.warn({ route: match.route, err: e.message }, 'ledger unavailable');
        outcome = { ...errorReply(503, 'UNAVAILABLE', 'the ledger is unreachable; try again'), headers: { 'retry-after': '5' } };
      }
    }
    metrics.request(typeof match === 'object' && match !== null ? match.route : 'unmatched', outcome.status);
    writeJson(res, outcome);
    if (outcome.unreadBody) discardUnreadBody(req);
    outcome.after?.();
  };

  const server = createServer((req, res) => {
    const handling = respond(req, res).catch((e: unknown) => {
      log.error({ err: (e as Error).message }, 'request failed');
      metrics.request('failed', 500);
      if (!res.headersSent) writeJson(res, errorReply(500, 'INTERNAL', 'internal error'));
      else res.destroy();
    });
    inFlight.add(handling);
    void handling.finally(() => inFlight.delete(handling));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    socket.on('error', () => socket.destroy());
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    if (new URL(req.url ?? '/', 'http://relay').pathname !== DEVICE_SOCKET_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    const credential = bearerOf(req);
    const device = credential ? await ledger.deviceByCredential(sha256Hex(credential)) : null;
    if (!device) {
      log.info('device socket refused: unknown credential');
      return refuseUpgrade(socket, 401, 'Unauthorized');
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.attach(ws, device));
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch((e: unknown) => {
      log.error({ err: (e as Error).message }, 'upgrade failed');
      if (e instanceof LedgerUnavailableError) refuseUpgrade(socket, 503, 'Service Unavailable');
      else socket.destroy();
    });
  });

  const listening = await new Promise<Result<AddressInfo, string>>((resolve) => {
    server.once('error', (e: NodeJS.ErrnoException) => resolve(err(e.code ?? e.message)));
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve(ok(server.address() as AddressInfo)));
  });
  if (!listening.ok) {
    await hub.close();
    await ledger.close();
    return startError('LISTEN', `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 0} (${listening.error})`);
  }
  const { address, port, family } = listening.value;
  const url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  void cloudCopies.resumePending().catch((e: unknown) => log.error({ err: (e as Error).message }, 'cannot resume cloud copy deletions'));
  sweeper.start();
  log.info({ port, publicKey: key.value.publicKeyBase64 }, 'relay listening');

  const close = (): Promise<void> => {
    closing ??= (async () => {
      cloudCopies.stop();
      const swept = sweeper.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
      wss.close();
      server.closeAllConnections();
      await Promise.all([closed, swept, ...inFlight]);
      await ledger.close();
      log.info('relay closed');
    })();
    return closing;
  };

  return ok({ url, publicKey: key.value.publicKeyBase64, close });
}
