import type { FastifyInstance } from 'fastify';
import type { AlertKind } from '../../store/types.js';
import { NUMERIC_ID, QUERY_COUNT } from './schemas.js';

const PARAMS = { type: 'object', additionalProperties: { type: 'integer' }, maxProperties: 8 } as const;
const ID_PARAM = { type: 'object', properties: { id: NUMERIC_ID } } as const;

/** Alert rules, alerts and the audit log (docs/API.md#alerts, #audit-log). */
export async function alertRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/alert-rules', async (request) => request.organiser!.admin.listAlertRules());

  app.post<{ Body: { kind: AlertKind; params: Record<string, number>; enabled?: boolean } }>('/api/alert-rules', {
    schema: {
      body: {
        type: 'object',
        required: ['kind', 'params'],
        additionalProperties: false,
        properties: { kind: { type: 'string', enum: ['kiosk-offline', 'option-share', 'flagged-burst'] }, params: PARAMS, enabled: { type: 'boolean' } },
      },
    },
  }, async (request, reply) => reply.code(201).send(await request.organiser!.admin.addAlertRule(request.body)));

  app.patch<{ Params: { id: string }; Body: { params?: Record<string, number>; enabled?: boolean } }>('/api/alert-rules/:id', {
    schema: {
      params: ID_PARAM,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { params: PARAMS, enabled: { type: 'boolean' } } },
    },
  }, async (request) => request.organiser!.admin.updateAlertRule(Number(request.params.id), request.body));

  app.delete<{ Params: { id: string } }>('/api/alert-rules/:id', { schema: { params: ID_PARAM } }, async (request, reply) => {
    await request.organiser!.admin.deleteAlertRule(Number(request.params.id));
    return reply.code(204).send();
  });

  app.get<{ Querystring: { state?: 'active' | 'all' } }>('/api/alerts', {
    schema: { querystring: { type: 'object', additionalProperties: false, properties: { state: { type: 'string', enum: ['active', 'all'] } } } },
  }, async (request) => request.organiser!.admin.listAlerts(request.query.state ?? 'active'));

  app.post<{ Params: { id: string } }>('/api/alerts/:id/ack', { schema: { params: ID_PARAM } }, async (request) =>
    request.organiser!.admin.acknowledgeAlert(Number(request.params.id)),
  );

  app.get<{ Querystring: { limit?: string; before?: string } }>('/api/audit', {
    schema: {
      querystring: { type: 'object', additionalProperties: false, properties: { limit: QUERY_COUNT, before: NUMERIC_ID } },
    },
  }, async (request) => {
    const q = request.query;
    return request.organiser!.admin.listAudit({ limit: Math.min(q.limit === undefined ? 100 : Number(q.limit), 1000), ...(q.before && { beforeId: Number(q.before) }) });
  });
}
