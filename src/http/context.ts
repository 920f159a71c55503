import type { StoreAdmin } from '../admin/store-admin.js';
import type { TokenSource } from '../admin/admin-token.js';
import type { PivoteServer } from '../server/server.js';
import type { VoteStore } from '../store/types.js';
import type { LoginCodes } from './auth/session-token.js';
import type { LiveState } from './live/live-state.js';

/**
 * What the HTTP layer works on: the same store, server core and domain events as the kiosk
 * side of the process — never a second process or a second view of the database.
 */
export interface HttpContext {
  store: VoteStore;
  core: PivoteServer;
  /** The admin interface as the server itself (requests get `.as(actor)`). */
  admin: StoreAdmin;
  tokens: TokenSource;
  loginCodes: LoginCodes;
  live: LiveState;
  clock: () => number;
  /** The port kiosks connect to (for the config snippet shown with a new secret). */
  kioskPort: number;
  /** Whether the kiosk listener accepts connections (readiness). */
  kioskListenerUp: () => boolean;
  /** Served over HTTPS: session cookies get `Secure`. */
  secure: boolean;
  /** Folder of the built dashboard (index.html, assets/); absent: no dashboard is served. */
  dashboardDir?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the admin guard: how the organiser authenticated, and their admin interface. */
    organiser: { via: 'bearer' | 'session'; actor: string; admin: StoreAdmin } | null;
  }
}
