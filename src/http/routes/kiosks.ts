import type { FastifyInstance } from 'fastify';
import { KIOSK_ID } from './schemas.js';

const KIOSK_FIELDS = {
  id: KIOSK_ID,
  name: { type: 'string', minLength: 1, maxLength: 100 },
  location: { type: 'string', maxLength: 100 },
} as const;
const NEW_KIOSK = { type: 'object', required: ['id'], additionalProperties: false, properties: KIOSK_FIELDS } as const;
const ID_PARAM = { type: 'object', properties: { id: KIOSK_ID } } as const;

type NewKioskBody = { id: string; name?: string; location?: string };

/** The fleet: list, register (one or many), rename, revoke, reactivate, re-key, remove. */
export async function kioskRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/kiosks', async (request) => request.organiser!.admin.listKiosks());

  app.post<{ Body: NewKioskBody }>('/api/kiosks', { schema: { body: NEW_KIOSK } }, async (request, reply) => {
    const [added] = await request.organiser!.admin.addKiosks([request.body]);
    return reply.code(201).send(added);
  });

  app.post<{ Body: { kiosks: NewKioskBody[] } }>('/api/kiosks/batch', {
    schema: {
      body: { type: 'object', required: ['kiosks'], additionalProperties: false, properties: { kiosks: { type: 'array', minItems: 1, maxItems: 10_000, items: NEW_KIOSK } } },
    },
  }, async (request, reply) => reply.code(201).send(await request.organiser!.admin.addKiosks(request.body.kiosks)));

  app.patch<{ Params: { id: string }; Body: { name?: string; location?: string } }>('/api/kiosks/:id', {
    schema: {
      params: ID_PARAM,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { name: KIOSK_FIELDS.name, location: KIOSK_FIELDS.location } },
    },
  }, async (request) => request.organiser!.admin.updateKiosk(request.params.id, request.body));

  app.post<{ Params: { id: string } }>('/api/kiosks/:id/revoke', { schema: { params: ID_PARAM } }, async (request) =>
    request.organiser!.admin.revokeKiosk(request.params.id),
  );
  app.post<{ Params: { id: string } }>('/api/kiosks/:id/reactivate', { schema: { params: ID_PARAM } }, async (request) =>
    request.organiser!.admin.reactivateKiosk(request.params.id),
  );
  app.post<{ Params: { id: string } }>('/api/kiosks/:id/rotate-secret', { schema: { params: ID_PARAM } }, async (request) =>
    request.organiser!.admin.rotateKioskSecret(request.params.id),
  );
  app.delete<{ Params: { id: string } }>('/api/kiosks/:id', { schema: { params: ID_PARAM } }, async (request, reply) => {
    await request.organiser!.admin.removeKiosk(request.params.id);
    return reply.code(204).send();
  });
}
