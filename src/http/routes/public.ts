import type { FastifyInstance } from 'fastify';
import { PivoteError } from '../../protocol/errors.js';
import type { PollRecord } from '../../store/types.js';
import type { HttpContext } from '../context.js';
import { serveEventStream, type StreamEvent } from '../live/event-stream.js';
import type { TallyEvent } from '../live/tally.js';

/** Whether the organiser lets anyone see this poll's totals now. */
export function isPublic(poll: Pick<PollRecord, 'publicResults' | 'state'>): boolean {
  return poll.publicResults === 'always' || (poll.publicResults === 'after-close' && poll.state === 'closed');
}

/** The public stream's tally update, made once per update for every big screen (and so
 *  encoded once: event-stream.ts keys its encoding on the data object). */
const publicTallies = new WeakMap<TallyEvent, StreamEvent>();

function publicTally(t: TallyEvent): StreamEvent {
  let e = publicTallies.get(t);
  if (!e) publicTallies.set(t, (e = { event: 'tally', data: { options: t.options, total: t.total } }));
  return e;
}

/**
 * The venue's big screen without a token: the current poll's totals, and only when the
 * organiser allows it for that poll. Nothing else is reachable here: no kiosks, no other poll.
 */
export async function publicRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const publicPoll = async (): Promise<PollRecord> => {
    const id = ctx.live.pollId;
    const poll = id === null ? undefined : await ctx.store.getPoll(id);
    if (!poll || !isPublic(poll)) throw new PivoteError('PV_PUBLIC_RESULTS_OFF', 'the results of this poll are not public');
    return poll;
  };
  const publicResults = async () => {
    const poll = await publicPoll();
    const r = await ctx.admin.results({ poll: poll.id });
    return { poll: { id: poll.id, question: poll.question, state: poll.state }, options: r.options, total: r.total };
  };

  app.get('/api/public/results', publicResults);

  app.get('/api/public/events', async (request, reply) => {
    const first = await publicResults();
    const pollId = first.poll.id;
    await serveEventStream(request, reply, {
      snapshot: async () => first,
      subscribe: (client) => ctx.live.subscribe(client),
      accept: (e) => {
        if (e.event === 'tally') return e.data.pollId === pollId ? publicTally(e.data) : null;
        if (e.event !== 'poll' || e.data.poll === null) return null;
        const p = e.data.poll;
        if (p.id === pollId && isPublic(p)) return { event: 'poll', data: { poll: { id: p.id, question: p.question, state: p.state } } };
        if (p.id !== pollId && e.data.reason !== 'opened') return null; // a draft elsewhere: not this screen's business
        // Another poll opened, or this one is no longer public: say so and end; the screen
        // reconnects and shows whatever is public then.
        return { event: 'unavailable', data: { reason: 'the poll shown changed or is no longer public' }, end: true };
      },
    });
  });
}
