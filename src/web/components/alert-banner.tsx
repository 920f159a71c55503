import { api } from '../api/client.js';
import { formatAgo } from '../lib/format.js';
import { followLink } from '../router.js';
import { useAction } from '../state/hooks.js';
import { live, serverNow } from '../state/live.js';
import { applyAlert } from '../state/live-state.js';
import { useObservable } from '../state/observable.js';
import { ErrorBox } from './error-box.js';

/** Active alerts on every page, live from the event stream, each with its acknowledge button. */
export function AlertBanner() {
  const state = useObservable(live);
  const ack = useAction();
  const now = serverNow(state);
  return (
    <section class="alert-banner" aria-label="Active alerts" aria-live="polite" hidden={state.alerts.length === 0}>
      {state.alerts.length > 0 ? (
        <ul>
          {state.alerts.map((a) => (
            <li key={a.id} class={`alert-item${a.clearedAt ? ' alert-cleared' : ''}`} data-alert-id={a.id}>
              <span class="alert-icon" aria-hidden="true">!</span>
              <span class="alert-text">
                <strong>{a.message}</strong>{' '}
                <span class="muted">
                  raised {formatAgo(a.raisedAt, now)}
                  {a.clearedAt ? `, over since ${formatAgo(a.clearedAt, now)}` : ''}
                </span>
              </span>
              <button type="button" class="button button-small" disabled={ack.busy} onClick={async () => {
                const acked = await ack.run(() => api.alerts.ack(a.id));
                if (acked) live.update((s) => applyAlert(s, { alert: acked }));
              }}>
                Acknowledge<span class="visually-hidden">: {a.message}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <ErrorBox error={ack.error} context="Could not acknowledge" />
      {state.alerts.length > 0 ? <a class="alert-rules-link" href="/alerts" onClick={followLink}>Alert rules</a> : null}
    </section>
  );
}
