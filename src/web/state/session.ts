import { api, isAuthError, onUnauthorized, setCsrfToken } from '../api/client.js';
import type { Session } from '../api/types.js';
import { Observable } from './observable.js';

/** Whether this browser is logged in as the organiser, and the CSRF token that goes with it. */

export type SessionState =
  | { kind: 'unknown' }
  | { kind: 'anonymous'; expired: boolean }
  | { kind: 'signed-in'; expiresAt: string | null; via: Session['via'] };

export const session = new Observable<SessionState>({ kind: 'unknown' });

onUnauthorized(() => {
  setCsrfToken(null);
  session.set({ kind: 'anonymous', expired: true });
});

/** Asks the server whether the cookie (if any) is still a session. */
export async function probeSession(): Promise<SessionState> {
  try {
    const s = await api.session.get();
    setCsrfToken(s.csrfToken ?? null);
    session.set({ kind: 'signed-in', expiresAt: s.expiresAt ?? null, via: s.via });
  } catch (err) {
    if (!isAuthError(err)) throw err;
    setCsrfToken(null);
    session.set({ kind: 'anonymous', expired: false });
  }
  return session.get();
}

export async function logIn(token: string): Promise<void> {
  const answer = await api.session.login(token);
  setCsrfToken(answer.csrfToken);
  session.set({ kind: 'signed-in', expiresAt: answer.expiresAt, via: 'session' });
}

export async function logOut(): Promise<void> {
  try {
    await api.session.logout();
  } finally {
    setCsrfToken(null);
    session.set({ kind: 'anonymous', expired: false });
  }
}
