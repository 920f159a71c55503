import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Alert } from '../api/types.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorBox } from '../components/error-box.js';
import { describeRule } from '../lib/alert-rules.js';
import { formatAgo, formatDateTime } from '../lib/format.js';
import { useAction, useDocumentTitle, useLoad } from '../state/hooks.js';
import { live, serverNow } from '../state/live.js';
import { applyAlert } from '../state/live-state.js';
import { useObservable } from '../state/observable.js';
import { AlertRuleForm } from './alert-rule-form.js';

/** The organiser's alert rules, and every alert raised, with acknowledgement. */
export function AlertsPage() {
  useDocumentTitle('Alerts');
  const state = useObservable(live);
  const rules = useLoad(() => api.alertRules.list(), []);
  const [which, setWhich] = useState<'active' | 'all'>('active');
  const activeKey = state.alerts.map((a) => `${a.id}:${a.clearedAt ?? ''}`).join(',');
  const alerts = useLoad(() => api.alerts.list(which), [which, activeKey]);
  const change = useAction();
  const labels = state.poll?.options ?? [];
  const now = serverNow(state);

  return (
    <>
      <h1>Alerts</h1>
      <section class="card" aria-labelledby="raised-title">
        <div class="section-head">
          <h2 id="raised-title">Raised</h2>
          <fieldset class="segmented">
            <legend class="visually-hidden">Show</legend>
            <label>
              <input type="radio" name="alerts-which" checked={which === 'active'} onChange={() => setWhich('active')} /> Active
            </label>
            <label>
              <input type="radio" name="alerts-which" checked={which === 'all'} onChange={() => setWhich('all')} /> All
            </label>
          </fieldset>
        </div>
        <ErrorBox error={alerts.error} context="Could not list alerts" />
        {alerts.data && alerts.data.length === 0 ? <p class="muted">{which === 'active' ? 'No active alert.' : 'No alert was ever raised.'}</p> : null}
        {alerts.data && alerts.data.length > 0 ? (
          <ul class="alert-list">
            {alerts.data.map((a) => (
              <AlertRow key={a.id} alert={a} now={now} onAck={async () => {
                const acked = await change.run(() => api.alerts.ack(a.id));
                if (acked) live.update((s) => applyAlert(s, { alert: acked }));
                alerts.reload();
              }} />
            ))}
          </ul>
        ) : null}
      </section>
      <section class="card" aria-labelledby="rules-title">
        <h2 id="rules-title">Rules</h2>
        <ErrorBox error={rules.error ?? change.error} />
        {rules.data && rules.data.length === 0 ? <p class="muted">No rule yet: add one below.</p> : null}
        {rules.data && rules.data.length > 0 ? (
          <ul class="rule-list">
            {rules.data.map((r) => (
              <li key={r.id} class="rule-item" data-rule-id={r.id}>
                <label class="switch">
                  <input
                    type="checkbox"
                    checked={r.enabled}
                    onChange={async (e) => {
                      await change.run(() => api.alertRules.change(r.id, { enabled: (e.target as HTMLInputElement).checked }));
                      rules.reload();
                    }}
                  />
                  <span>{describeRule(r, labels)}</span>
                </label>
                <ConfirmButton label="Delete" ariaLabel={`Delete rule: ${describeRule(r, labels)}`} question="Delete this rule?" danger onConfirm={async () => {
                  await change.run(() => api.alertRules.remove(r.id));
                  rules.reload();
                }} />
              </li>
            ))}
          </ul>
        ) : null}
        <AlertRuleForm optionLabels={labels} onAdded={rules.reload} />
      </section>
    </>
  );
}

function AlertRow({ alert: a, now, onAck }: { alert: Alert; now: number; onAck: () => Promise<void> }) {
  const state = a.acknowledgedAt ? 'acknowledged' : a.clearedAt ? 'over' : 'active';
  return (
    <li class={`alert-row alert-${state}`} data-alert-id={a.id}>
      <div>
        <strong>{a.message}</strong>
        <p class="muted">
          Raised {formatDateTime(a.raisedAt, now)} ({formatAgo(a.raisedAt, now)})
          {a.clearedAt ? ` · over ${formatDateTime(a.clearedAt, now)}` : ' · still going on'}
          {a.acknowledgedAt ? ` · acknowledged ${formatDateTime(a.acknowledgedAt, now)} by ${a.acknowledgedBy ?? 'someone'}` : ''}
        </p>
      </div>
      {a.acknowledgedAt ? null : (
        <button type="button" class="button button-small" onClick={() => void onAck()}>
          Acknowledge<span class="visually-hidden">: {a.message}</span>
        </button>
      )}
    </li>
  );
}
