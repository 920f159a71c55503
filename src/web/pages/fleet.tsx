import type { Kiosk } from '../api/types.js';
import { formatAgo, formatCount, formatDateTime, formatDuration } from '../lib/format.js';
import { fleetSummary, kioskWarnings } from '../lib/kiosk-warnings.js';
import { followLink } from '../router.js';
import { useDocumentTitle, useNow } from '../state/hooks.js';
import { live, serverNow } from '../state/live.js';
import { useObservable } from '../state/observable.js';

/** Every kiosk's presence, live: what an organiser walking the venue needs to find a dead one. */
export function FleetPage() {
  useDocumentTitle('Fleet');
  const state = useObservable(live);
  useNow(10_000);
  const now = serverNow(state);
  const summary = fleetSummary(state.kiosks, state.poll);
  return (
    <>
      <div class="page-head">
        <h1>Fleet</h1>
        <p class="summary" role="status">
          <span class="pill pill-open">{summary.online} online</span> <span class="pill pill-offline">{summary.offline} offline</span>{' '}
          {summary.revoked ? <span class="pill pill-closed">{summary.revoked} revoked</span> : null}{' '}
          {summary.withWarnings ? <span class="pill pill-warning">{summary.withWarnings} with warnings</span> : null}
        </p>
      </div>
      {state.kiosks.length === 0 ? (
        <div class="card empty">
          <p>No kiosk is registered yet.</p>
          <p>
            Add one on the <a href="/manage#kiosks" onClick={followLink}>Manage</a> page or with <code>pivote fleet add</code>.
          </p>
        </div>
      ) : (
        <div class="table-wrap table-card">
          <table class="table fleet-table">
            <caption class="visually-hidden">Kiosks, their presence and warnings</caption>
            <thead>
              <tr>
                <th scope="col">Kiosk</th>
                <th scope="col">Location</th>
                <th scope="col">Status</th>
                <th scope="col">Last seen</th>
                <th scope="col">Version</th>
                <th scope="col" class="num">Queued</th>
                <th scope="col" class="num">Votes today</th>
                <th scope="col">Warnings</th>
              </tr>
            </thead>
            <tbody>
              {state.kiosks.map((k) => (
                <KioskRow key={k.id} kiosk={k} warnings={kioskWarnings(k, state.poll)} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function presence(k: Kiosk, now: number): { text: string; kind: 'online' | 'offline' | 'revoked' | 'never' } {
  if (k.revoked) return { text: `Revoked ${formatDateTime(k.revokedAt, now)}`, kind: 'revoked' };
  if (k.online) return { text: k.onlineSince ? `Online for ${formatDuration(now - Date.parse(k.onlineSince))}` : 'Online', kind: 'online' };
  if (!k.lastSeenAt) return { text: 'Never connected', kind: 'never' };
  const since = k.offlineSince ?? k.lastSeenAt;
  return { text: `Offline for ${formatDuration(now - Date.parse(since))}`, kind: 'offline' };
}

function KioskRow({ kiosk: k, warnings, now }: { kiosk: Kiosk; warnings: string[]; now: number }) {
  const p = presence(k, now);
  return (
    <tr data-kiosk-id={k.id} data-presence={p.kind} class={k.revoked ? 'row-muted' : undefined}>
      <th scope="row" data-label="Kiosk">
        <span class="kiosk-name">{k.name || k.id}</span>
        {k.name && k.name !== k.id ? <span class="kiosk-id"> {k.id}</span> : null}
      </th>
      <td data-label="Location">{k.location || '—'}</td>
      <td data-label="Status">
        <span class={`presence presence-${p.kind}`}>
          <span class="dot" aria-hidden="true" />
          {p.text}
        </span>
      </td>
      <td data-label="Last seen" class="nowrap">
        <time dateTime={k.lastSeenAt ?? undefined} title={k.lastSeenAt ? formatDateTime(k.lastSeenAt, now) : undefined}>{formatAgo(k.lastSeenAt, now)}</time>
      </td>
      <td data-label="Version" class="nowrap">{k.software ?? '—'}</td>
      <td data-label="Queued" class="num">{formatCount(k.queued)}</td>
      <td data-label="Votes today" class="num">{formatCount(k.votesToday)}</td>
      <td data-label="Warnings">
        {warnings.length ? (
          <ul class="warnings">
            {warnings.map((w) => (
              <li key={w}>
                <span aria-hidden="true">⚠ </span>
                {w}
              </li>
            ))}
          </ul>
        ) : (
          <span class="muted">none</span>
        )}
      </td>
    </tr>
  );
}
