import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { TokenSource } from '../admin/admin-token.js';
import { StoreAdmin, type AdminHooks } from '../admin/store-admin.js';
import type { PivoteServer } from '../server/server.js';
import { realTimers } from '../server/timers.js';
import type { VoteStore } from '../store/types.js';
import { buildHttpApp } from './app.js';
import { LoginCodes } from './auth/session-token.js';
import type { HttpContext } from './context.js';
import { findDashboardDir } from './dashboard.js';
import { LiveState } from './live/live-state.js';
import { createMetrics } from './metrics.js';

export interface FrontDoorOptions {
  core: PivoteServer;
  store: VoteStore;
  logger: Logger;
  host: string;
  /** 0 picks a free port. */
  port: number;
  tokens: TokenSource;
  /** `host:port` kiosks reach the server at (shown in config snippets of the CLI's own admin). */
  kioskServer: string;
  kioskPort: number;
  kioskListenerUp: () => boolean;
  /** Serve HTTPS with the kiosk listener's certificate. */
  tls?: { cert: Buffer | string; key: Buffer | string };
  timeZone?: string;
  /** Override where the dashboard is served from (default: the built one, if any). */
  dashboardDir?: string | null;
}

export interface FrontDoor {
  address: AddressInfo;
  url: string;
  app: FastifyInstance;
  live: LiveState;
  loginCodes: LoginCodes;
  /** A one-time link that logs a browser in (`pivote demo` prints it). */
  loginLink(): string;
  close(): Promise<void>;
}

/** How often the live tally is counted again from the rows on a database shared by servers. */
const SHARED_STORE_RECOUNT_MS = 10_000;

/** What the server does when an organiser changes something through the API. */
export function hooksFor(core: PivoteServer): AdminHooks {
  return {
    async pollChanged(poll, change) {
      if (change === 'opened' || change === 'closed') {
        await core.pollChanged();
        return;
      }
      core.pollEdited(poll, change);
      await core.scheduleChanged();
    },
    kiosksChanged: (ids, action) => core.kiosksChanged(ids, action),
    alertsChanged: () => void core.alerts.check(),
    alertAcknowledged: (alert) => core.events.emit('alert-changed', { alert, change: 'acknowledged' }),
  };
}

/** The HTTP side of `pivote server`, on the same core, store and events as the kiosk side. */
export async function startFrontDoor(opts: FrontDoorOptions): Promise<FrontDoor> {
  const clock = () => opts.core.clock();
  const admin = new StoreAdmin({
    store: opts.store,
    clock,
    actor: 'server',
    kioskServer: opts.kioskServer,
    hooks: hooksFor(opts.core),
    presence: opts.core.presence,
    ...(opts.timeZone && { timeZone: opts.timeZone }),
  });
  const live = new LiveState({
    store: opts.store,
    admin,
    events: opts.core.events,
    clock,
    timers: realTimers,
    log: opts.logger.child({ component: 'live' }),
    // On a database several servers share, a lost notification of their votes is caught here.
    recountMs: opts.store.claimKioskConnection !== undefined ? SHARED_STORE_RECOUNT_MS : null,
  });
  await live.start();
  const metrics = createMetrics(opts.core, opts.store, live);
  const loginCodes = new LoginCodes();
  const dashboardDir = opts.dashboardDir === null ? undefined : (opts.dashboardDir ?? findDashboardDir());
  const ctx: HttpContext = {
    store: opts.store,
    core: opts.core,
    admin,
    tokens: opts.tokens,
    loginCodes,
    live,
    clock,
    kioskPort: opts.kioskPort,
    kioskListenerUp: opts.kioskListenerUp,
    secure: opts.tls !== undefined,
    ...(dashboardDir !== undefined && { dashboardDir }),
  };
  let app: FastifyInstance | undefined;
  try {
    app = await buildHttpApp(ctx, { logger: opts.logger, metrics, ...(opts.tls && { https: opts.tls }) });
    await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    live.stop();
    metrics.stop();
    await app?.close();
    throw err;
  }
  const address = app.server.address() as AddressInfo;
  const scheme = opts.tls ? 'https' : 'http';
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${scheme}://${shownHost === '0.0.0.0' || shownHost === '[::]' ? '127.0.0.1' : shownHost}:${address.port}`;
  const running = app;
  let closing: Promise<void> | undefined;
  return {
    address,
    url,
    app,
    live,
    loginCodes,
    loginLink: () => `${url}/login?code=${loginCodes.issue(clock())}`,
    close() {
      closing ??= (async () => {
        live.stop();
        metrics.stop();
        await running.close();
      })();
      return closing;
    },
  };
}
