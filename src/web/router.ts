import { Observable } from './state/observable.js';

/**
 * Client-side routes. The server answers index.html for each of these paths, so a bookmark or a
 * reload lands on the same page; links change the path without reloading (the live stream stays).
 */

export const ROUTES = ['/', '/results', '/screen', '/fleet', '/insights', '/alerts', '/manage', '/login'] as const;
export type Route = (typeof ROUTES)[number];

export interface Location {
  route: Route;
  params: URLSearchParams;
}

function read(): Location {
  const path = window.location.pathname.replace(/\/+$/, '') || '/';
  const route = (ROUTES as readonly string[]).includes(path) ? (path as Route) : '/';
  return { route, params: new URLSearchParams(window.location.search) };
}

export const location = new Observable<Location>(read());

window.addEventListener('popstate', () => location.set(read()));

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  location.set(read());
  window.scrollTo(0, 0);
}

/** Click handler for same-page links: plain left clicks stay in the app; others behave as links. */
export function followLink(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (anchor.origin !== window.location.origin || anchor.target) return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}
