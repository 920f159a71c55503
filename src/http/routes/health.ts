import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context.js';

/** How long /readyz waits for the store before calling it unready. */
export const READY_STORE_TIMEOUT_MS = 2_000;

/** Why the server cannot take votes now, or null when it can. */
export async function notReadyReason(ctx: HttpContext): Promise<string | null> {
  if (ctx.core.shuttingDown) return 'the server is shutting down';
  if (!ctx.kioskListenerUp()) return 'the kiosk listener is not accepting connections';
  const storeProblem = ctx.core.storeProblem();
  if (storeProblem !== null) return storeProblem;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ctx.store.getOpenPoll(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READY_STORE_TIMEOUT_MS} ms`)), READY_STORE_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    return `the store does not answer: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
  return null;
}

/** Liveness and readiness, for systemd watchdogs, load balancers and Kubernetes probes. */
export async function healthRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const reason = await notReadyReason(ctx);
    if (reason !== null) return reply.code(503).send({ status: 'not ready', reason });
    return { status: 'ready' };
  });
}
