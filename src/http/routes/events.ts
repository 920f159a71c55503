import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context.js';
import { serveEventStream } from '../live/event-stream.js';

/** The organiser's live stream: snapshot, then tally, poll, presence, fleet and alert updates. */
export async function eventRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  app.get('/api/events', async (request, reply) =>
    serveEventStream(request, reply, {
      snapshot: () => ctx.live.snapshot(),
      subscribe: (client) => ctx.live.subscribe(client),
    }),
  );
}
