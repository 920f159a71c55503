import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The pages of the dashboard: each serves the same index.html; the page picks its view. */
export const DASHBOARD_PAGES = ['/', '/results', '/screen', '/fleet', '/insights', '/alerts', '/manage'] as const;

/** dist/web beside dist/http when built; from src/http (tests run the sources) the built one. */
export function findDashboardDir(): string | undefined {
  for (const rel of ['../web/', '../../dist/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

/** What the dashboard may load: only itself. No CDN, no inline scripts, no framing. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

export async function dashboardRoutes(app: FastifyInstance, dir: string): Promise<void> {
  // Files are listed once at start (wildcard off): nothing outside the built folder is reachable.
  await app.register(fastifyStatic, { root: dir, prefix: '/', wildcard: false, index: false, cacheControl: false });
  app.addHook('onSend', async (request, reply) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      void reply.header('content-security-policy', CSP).header('cache-control', 'no-cache');
    } else if (request.url.startsWith('/assets/')) {
      void reply.header('cache-control', 'public, max-age=31536000, immutable'); // hashed names
    }
  });
  for (const page of DASHBOARD_PAGES) app.get(page, async (_request, reply) => reply.sendFile('index.html'));
}
