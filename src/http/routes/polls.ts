import type { FastifyInstance } from 'fastify';
import { PivoteError } from '../../protocol/errors.js';
import type { PublicResults } from '../../store/types.js';
import { NUMERIC_ID, POLL_DEFINITION, POLL_REF, PUBLIC_RESULTS, TIME_OR_NULL, parseTime, pollRef } from './schemas.js';

interface NewPollBody {
  question: string;
  options: string[];
  opensAt?: string | null;
  closesAt?: string | null;
  publicResults?: PublicResults;
}

type PollPatchBody = Omit<NewPollBody, 'question' | 'options'>;

/** Polls: list, open, draft and schedule, close, change, delete (docs/API.md#polls). */
export async function pollRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/polls', async (request) => request.organiser!.admin.listPolls());

  app.get<{ Params: { id: string } }>('/api/polls/:id', { schema: { params: { type: 'object', properties: { id: NUMERIC_ID } } } }, async (request) =>
    request.organiser!.admin.getPoll(Number(request.params.id)),
  );

  app.post<{ Body: NewPollBody }>('/api/polls', {
    schema: {
      body: {
        type: 'object',
        required: ['question', 'options'],
        additionalProperties: false,
        properties: { ...POLL_DEFINITION, opensAt: TIME_OR_NULL, closesAt: TIME_OR_NULL, publicResults: PUBLIC_RESULTS },
      },
    },
  }, async (request, reply) => {
    const b = request.body;
    const poll = await request.organiser!.admin.createPoll({
      question: b.question,
      options: b.options,
      opensAt: parseTime('opensAt', b.opensAt),
      closesAt: parseTime('closesAt', b.closesAt),
      ...(b.publicResults && { publicResults: b.publicResults }),
    });
    return reply.code(201).send(poll);
  });

  app.post<{ Params: { id: string } }>('/api/polls/:id/open', { schema: { params: { type: 'object', properties: { id: NUMERIC_ID } } } }, async (request) =>
    request.organiser!.admin.openPoll(Number(request.params.id)),
  );

  app.post<{ Params: { id: string } }>('/api/polls/:id/close', { schema: { params: { type: 'object', properties: { id: POLL_REF } } } }, async (request) => {
    const admin = request.organiser!.admin;
    const ref = pollRef(request.params.id);
    if (ref !== 'current') {
      const poll = await admin.getPoll(ref);
      if (poll.state !== 'open') throw new PivoteError('PV_NO_OPEN_POLL', `poll ${ref} is ${poll.state}, not open`, { pollId: ref });
    }
    return admin.closePoll();
  });

  app.patch<{ Params: { id: string }; Body: PollPatchBody }>('/api/polls/:id', {
    schema: {
      params: { type: 'object', properties: { id: NUMERIC_ID } },
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { opensAt: TIME_OR_NULL, closesAt: TIME_OR_NULL, publicResults: PUBLIC_RESULTS } },
    },
  }, async (request) => {
    const b = request.body;
    return request.organiser!.admin.updatePoll(Number(request.params.id), {
      ...(b.opensAt !== undefined && { opensAt: parseTime('opensAt', b.opensAt) }),
      ...(b.closesAt !== undefined && { closesAt: parseTime('closesAt', b.closesAt) }),
      ...(b.publicResults !== undefined && { publicResults: b.publicResults }),
    });
  });

  app.delete<{ Params: { id: string } }>('/api/polls/:id', { schema: { params: { type: 'object', properties: { id: NUMERIC_ID } } } }, async (request, reply) => {
    await request.organiser!.admin.deletePoll(Number(request.params.id));
    return reply.code(204).send();
  });
}
