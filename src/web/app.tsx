import { useEffect, useState } from 'preact/hooks';
import { AlertBanner } from './components/alert-banner.js';
import { ErrorBox } from './components/error-box.js';
import { NavBar } from './components/nav-bar.js';
import { AlertsPage } from './pages/alerts.js';
import { FleetPage } from './pages/fleet.js';
import { InsightsPage } from './pages/insights.js';
import { LoginPage } from './pages/login.js';
import { ManagePage } from './pages/manage.js';
import { ResultsPage } from './pages/results.js';
import { ScreenPage } from './pages/screen.js';
import { location, navigate, type Route } from './router.js';
import { startLive, stopLive } from './state/live.js';
import { useObservable } from './state/observable.js';
import { probeSession, session } from './state/session.js';

const PAGES: Record<Exclude<Route, '/login' | '/screen'>, () => preact.JSX.Element> = {
  '/': ResultsPage,
  '/results': ResultsPage,
  '/fleet': FleetPage,
  '/insights': InsightsPage,
  '/alerts': AlertsPage,
  '/manage': ManagePage,
};

export function App() {
  const here = useObservable(location);
  const who = useObservable(session);
  const [probeError, setProbeError] = useState<unknown>(null);

  useEffect(() => {
    probeSession().catch(setProbeError);
  }, []);

  useEffect(() => {
    if (who.kind === 'signed-in') startLive();
    else if (who.kind === 'anonymous') stopLive();
  }, [who.kind]);

  const needsLogin = who.kind === 'anonymous' && here.route !== '/login' && here.route !== '/screen';
  useEffect(() => {
    if (!needsLogin) return;
    const next = window.location.pathname + window.location.search;
    navigate(`/login?next=${encodeURIComponent(next)}${who.kind === 'anonymous' && who.expired ? '&expired=1' : ''}`, { replace: true });
  }, [needsLogin]);

  if (probeError) {
    return (
      <main id="main" class="page page-narrow">
        <h1>pivote</h1>
        <ErrorBox error={probeError} context="Cannot reach the server" />
        <button type="button" class="button" onClick={() => window.location.reload()}>Try again</button>
      </main>
    );
  }
  if (here.route === '/screen') return who.kind === 'unknown' ? <Loading /> : <ScreenPage signedIn={who.kind === 'signed-in'} />;
  if (here.route === '/login') return <LoginPage />;
  if (who.kind !== 'signed-in') return <Loading />;

  const Page = PAGES[here.route];
  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <NavBar route={here.route} />
      <AlertBanner />
      <main id="main" class="page" tabIndex={-1}>
        <Page />
      </main>
    </>
  );
}

function Loading() {
  return (
    <main id="main" class="page page-narrow" aria-busy="true">
      <p class="muted">Loading…</p>
    </main>
  );
}
