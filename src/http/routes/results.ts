import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import type { ResultsGrouping } from '../../admin/results-view.js';
import { NUMERIC_ID, POLL_REF, QUERY_BOOLEAN, pollRef, queryBoolean } from './schemas.js';

/** Results, insights and the vote export (docs/API.md#results-and-insights). */
export async function resultRoutes(app: FastifyInstance): Promise<void> {
  const TZ = { type: 'string', minLength: 1, maxLength: 64 } as const;

  app.get<{ Params: { id: string }; Querystring: { by?: ResultsGrouping; tz?: string; includeFlagged?: 'true' | 'false' } }>('/api/polls/:id/results', {
    schema: {
      params: { type: 'object', properties: { id: POLL_REF } },
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { by: { type: 'string', enum: ['kiosk', 'location', 'hour'] }, tz: TZ, includeFlagged: QUERY_BOOLEAN },
      },
    },
  }, async (request) => {
    const q = request.query;
    return request.organiser!.admin.results({ poll: pollRef(request.params.id), ...(q.by && { by: q.by }), ...(q.tz && { tz: q.tz }), includeFlagged: queryBoolean(q.includeFlagged, false) });
  });

  app.get<{ Params: { id: string }; Querystring: { tz?: string } }>('/api/polls/:id/insights', {
    schema: { params: { type: 'object', properties: { id: POLL_REF } }, querystring: { type: 'object', additionalProperties: false, properties: { tz: TZ } } },
  }, async (request) => request.organiser!.admin.insights(pollRef(request.params.id), request.query.tz));

  app.get<{ Querystring: { poll?: string; format?: 'csv' | 'jsonl'; includeFlagged?: 'true' | 'false' } }>('/api/votes', {
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { poll: NUMERIC_ID, format: { type: 'string', enum: ['csv', 'jsonl'] }, includeFlagged: QUERY_BOOLEAN },
      },
    },
  }, async (request, reply) => {
    const q = request.query;
    const format = q.format ?? 'csv';
    const chunks = request.organiser!.admin.exportVotes({ ...(q.poll && { pollId: Number(q.poll) }), format, includeFlagged: queryBoolean(q.includeFlagged, true) });
    // Read the first chunk before answering, so an unknown poll is a 404, not a broken stream.
    const iterator = chunks[Symbol.asyncIterator]();
    const first = await iterator.next();
    const name = `pivote-votes${q.poll ? `-poll-${q.poll}` : ''}.${format === 'csv' ? 'csv' : 'jsonl'}`;
    void reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('cache-control', 'no-store');
    return reply.send(Readable.from((async function* () {
      if (!first.done) yield first.value;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })()));
  });

}
