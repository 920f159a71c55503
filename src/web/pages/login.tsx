import { useState } from 'preact/hooks';
import { ErrorBox } from '../components/error-box.js';
import { location, navigate } from '../router.js';
import { useAction, useDocumentTitle } from '../state/hooks.js';
import { useObservable } from '../state/observable.js';
import { logIn, session } from '../state/session.js';

/** Where to go after logging in: only a path of this dashboard, never another site. */
function nextPath(params: URLSearchParams): string {
  const next = params.get('next') ?? '';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/results';
}

export function LoginPage() {
  useDocumentTitle('Log in');
  const here = useObservable(location);
  const who = useObservable(session);
  const [token, setToken] = useState('');
  const action = useAction();
  const expired = here.params.get('expired') === '1';

  if (who.kind === 'signed-in') {
    queueMicrotask(() => navigate(nextPath(here.params), { replace: true }));
    return null;
  }

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const ok = await action.run(async () => {
      await logIn(token.trim());
      return true;
    });
    if (ok) navigate(nextPath(here.params), { replace: true });
  };

  return (
    <main id="main" class="page page-narrow login-page">
      <h1>
        <span class="brand-mark" aria-hidden="true" /> pivote dashboard
      </h1>
      {expired ? <p class="notice" role="status">Your session has ended. Log in again to continue.</p> : null}
      <form class="card form" onSubmit={submit} aria-describedby="token-help">
        <label for="admin-token">Admin token</label>
        <input
          id="admin-token"
          name="token"
          type="password"
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          required
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
        />
        <ErrorBox error={action.error} />
        <button type="submit" class="button button-primary" disabled={action.busy || token.trim() === ''}>
          {action.busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <section id="token-help" class="help" aria-labelledby="token-help-title">
        <h2 id="token-help-title">Where is the admin token?</h2>
        <p>
          <code>pivote server</code> writes it at its first start into a file beside its database, named after it with{' '}
          <code>.admin-token</code> added, and prints it once in its log.
        </p>
        <ul>
          <li>
            Server started as <code>pivote server --db votes.db</code>: the token is in <code>votes.db.admin-token</code>;{' '}
            <code>pivote admin-token show --db votes.db</code> prints it.
          </li>
          <li>
            Server run by systemd: <code>sudo pivote admin-token show --db /var/lib/pivote/pivote.db</code>
          </li>
          <li>
            Started with <code>--admin-token-file FILE</code>: the token is that file's content.
          </li>
        </ul>
        <p>
          <code>pivote admin-token rotate</code> replaces it; every browser logged in with the old token is logged out.
        </p>
      </section>
    </main>
  );
}
