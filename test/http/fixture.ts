import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { TokenSource, ensureTokenFile } from '../../src/admin/admin-token.js';
import { startFrontDoor, type FrontDoor } from '../../src/http/front-door.js';
import { startServer, type RunningServer } from '../../src/server/run-server.js';
import type { ServerLimits } from '../../src/server/limits.js';
import { connectTcp } from '../server/helpers/tcp-kiosk.js';
import type { TestKiosk } from '../server/helpers/test-kiosk.js';

/**
 * A real pivote server for HTTP tests: the SQLite store on its thread, the kiosk listener and the
 * front door on free loopback ports, an admin token file in a temp folder. `api()` speaks real HTTP.
 */
export interface HttpFixture {
  dir: string;
  db: string;
  url: string;
  token: string;
  tokenFile: string;
  server: RunningServer;
  door: FrontDoor;
  api(method: string, path: string, opts?: ApiOptions): Promise<ApiResponse>;
  /** Registers a kiosk through the API and connects it over TCP, authenticated. */
  kiosk(id: string): Promise<TestKiosk>;
  close(): Promise<void>;
}

export interface ApiOptions {
  body?: unknown;
  /** Default: the admin token as Bearer; null: no Authorization header. */
  token?: string | null;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // Parsed JSON bodies; tests check them field by field.
  json: any;
}

export interface HttpFixtureOptions {
  limits?: Partial<ServerLimits>;
  tz?: string;
  /** A postgres:// URL to use instead of an SQLite file in the temp folder (several servers). */
  db?: string;
  /** The admin token file to use (several servers sharing one token); default: a new one. */
  tokenFile?: string;
}

export async function startHttpFixture(opts: HttpFixtureOptions = {}): Promise<HttpFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'pivote-http-'));
  const db = opts.db ?? join(dir, 'pivote.db');
  const tokenFile = opts.tokenFile ?? join(dir, 'pivote.db.admin-token');
  const { token } = ensureTokenFile(tokenFile);
  const logger = pino({ level: 'silent' });
  const server = await startServer({ dbPath: db, host: '127.0.0.1', port: 0, logger, ...(opts.limits && { limits: opts.limits }) });
  const door = await startFrontDoor({
    core: server.core,
    store: server.store,
    logger,
    host: '127.0.0.1',
    port: 0,
    tokens: new TokenSource(tokenFile, () => Date.now(), 0),
    kioskServer: `127.0.0.1:${server.address.port}`,
    kioskPort: server.address.port,
    kioskListenerUp: () => server.listening(),
    timeZone: opts.tz ?? 'UTC',
  });
  const kiosks: TestKiosk[] = [];
  const api = async (method: string, path: string, o: ApiOptions = {}): Promise<ApiResponse> => {
    const auth = o.token === undefined ? token : o.token;
    const res = await fetch(`${door.url}${path}`, {
      method,
      headers: {
        ...(auth !== null && { authorization: `Bearer ${auth}` }),
        ...(o.body !== undefined && { 'content-type': 'application/json' }),
        ...o.headers,
      },
      ...(o.body !== undefined && { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    dir,
    db,
    url: door.url,
    token,
    tokenFile,
    server,
    door,
    api,
    async kiosk(id) {
      const added = await api('POST', '/api/kiosks', { body: { id } });
      if (added.status !== 201) throw new Error(`cannot add kiosk ${id}: ${added.text}`);
      const k = await connectTcp(server.address.port);
      kiosks.push(k);
      await k.handshake(id, (added.json as { secret: string }).secret);
      return k;
    },
    async close() {
      for (const k of kiosks) k.close();
      await door.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

