import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { adminGuard } from './auth/guard.js';
import { authRoutes } from './auth/routes.js';
import type { HttpContext } from './context.js';
import { dashboardRoutes } from './dashboard.js';
import { handleError, handleNotFound } from './errors.js';
import type { createMetrics } from './metrics.js';
import { alertRoutes } from './routes/alerts.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { kioskRoutes } from './routes/kiosks.js';
import { pollRoutes } from './routes/polls.js';
import { publicRoutes } from './routes/public.js';
import { resultRoutes } from './routes/results.js';

export interface HttpAppOptions {
  logger: Logger;
  metrics?: ReturnType<typeof createMetrics>;
  /** Options for node's https.createServer; plain HTTP when absent. */
  https?: { cert: Buffer | string; key: Buffer | string };
}

/**
 * The front door as a fastify app: health and metrics (open), the organiser's API and live
 * stream (admin token or session), the public results (when allowed), the dashboard. Every
 * route reaches the store only through the admin interface or the shared live state.
 */
export async function buildHttpApp(ctx: HttpContext, opts: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger.child({ component: 'http' }),
    // Fastify's own per-request lines are off: the onResponse hook below logs what matters.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Live event streams stay open for ever; on close they are cut so the server can stop.
    forceCloseConnections: true,
    // Unknown properties are refused, not silently dropped, and a number is not a question: a
    // typo must not look like success. Query strings are declared as text for that reason.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    ...(opts.https && { https: opts.https }),
  }) as unknown as FastifyInstance;
  app.decorateRequest('organiser', null);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'same-origin');
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode >= 500) request.log.warn({ method: request.method, url: request.url, status: reply.statusCode }, 'request failed');
    else request.log.debug({ method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });

  await app.register(async (scope) => healthRoutes(scope, ctx));
  if (opts.metrics) {
    const registry = opts.metrics.registry;
    app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  }
  await app.register(async (scope) => authRoutes(scope, ctx));
  await app.register(async (scope) => publicRoutes(scope, ctx));
  // Everything the organiser does: one encapsulated scope behind the guard.
  await app.register(async (scope) => {
    scope.addHook('onRequest', adminGuard(ctx));
    await scope.register(pollRoutes);
    await scope.register(resultRoutes);
    await scope.register(kioskRoutes);
    await scope.register(alertRoutes);
    await scope.register(async (events) => eventRoutes(events, ctx));
  });
  const dir = ctx.dashboardDir;
  if (dir !== undefined) await app.register(async (scope) => dashboardRoutes(scope, dir));
  return app;
}
