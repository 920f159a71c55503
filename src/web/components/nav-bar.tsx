import { followLink, type Route } from '../router.js';
import { live } from '../state/live.js';
import { useObservable } from '../state/observable.js';
import { logOut } from '../state/session.js';

const LINKS: { href: Route; label: string }[] = [
  { href: '/results', label: 'Results' },
  { href: '/fleet', label: 'Fleet' },
  { href: '/insights', label: 'Insights' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/manage', label: 'Manage' },
];

const STATUS_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;

export function NavBar({ route }: { route: Route }) {
  const state = useObservable(live);
  const current = route === '/' ? '/results' : route;
  return (
    <header class="top-bar">
      <a class="brand" href="/results" onClick={followLink}>
        <span class="brand-mark" aria-hidden="true" />
        pivote
      </a>
      <nav aria-label="Dashboard">
        <ul class="nav-links">
          {LINKS.map((l) => (
            <li key={l.href}>
              <a href={l.href} onClick={followLink} aria-current={current === l.href ? 'page' : undefined}>
                {l.label}
                {l.href === '/alerts' && state.alerts.length > 0 ? <span class="badge" aria-label={`${state.alerts.length} active`}>{state.alerts.length}</span> : null}
              </a>
            </li>
          ))}
          <li>
            <a href="/screen" onClick={followLink}>Big screen</a>
          </li>
        </ul>
      </nav>
      <div class="top-bar-end">
        <span class={`stream-status stream-${state.status}`} role="status">
          <span class="dot" aria-hidden="true" />
          {STATUS_TEXT[state.status]}
        </span>
        <button type="button" class="button button-small button-quiet" onClick={() => void logOut()}>Log out</button>
      </div>
    </header>
  );
}
