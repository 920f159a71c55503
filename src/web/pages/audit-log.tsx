import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { AuditEntry } from '../api/types.js';
import { ErrorBox } from '../components/error-box.js';
import { formatDateTime } from '../lib/format.js';
import { useAction } from '../state/hooks.js';
import { live } from '../state/live.js';
import { useObservable } from '../state/observable.js';

const PAGE = 50;

function details(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  const text = JSON.stringify(value);
  return text === '{}' ? '' : text;
}

/** Every change, who made it and when, newest first; older pages on request. */
export function AuditLog() {
  const { pollsVersion, kiosks } = useObservable(live);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [complete, setComplete] = useState(false);
  const action = useAction();
  const loadFirst = async (): Promise<void> => {
    const page = await action.run(() => api.audit.list(PAGE));
    if (!page) return;
    setEntries(page);
    setComplete(page.length < PAGE);
  };
  useEffect(() => {
    void loadFirst();
  }, [pollsVersion, kiosks]);
  const loadOlder = async (): Promise<void> => {
    const last = entries.at(-1);
    const page = await action.run(() => api.audit.list(PAGE, last?.id));
    if (!page) return;
    setEntries([...entries, ...page]);
    setComplete(page.length < PAGE);
  };
  return (
    <section id="audit" class="card" aria-labelledby="audit-title">
      <div class="section-head">
        <h2 id="audit-title">Audit log</h2>
        <button type="button" class="button button-small" onClick={() => void loadFirst()} disabled={action.busy}>Refresh</button>
      </div>
      <ErrorBox error={action.error} />
      {entries.length === 0 && !action.busy ? <p class="muted">Nothing changed yet.</p> : null}
      {entries.length > 0 ? (
        <div class="table-wrap">
          <table class="table audit-table">
            <caption class="visually-hidden">Audit log, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Subject</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-audit-id={e.id}>
                  <td data-label="When"><time dateTime={e.at}>{formatDateTime(e.at)}</time></td>
                  <td data-label="Who">{e.actor}</td>
                  <td data-label="What"><code>{e.action}</code></td>
                  <td data-label="Subject">{e.subject ?? ''}</td>
                  <td data-label="Details" class="small details">{details(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {entries.length > 0 && !complete ? (
        <button type="button" class="button button-small" onClick={() => void loadOlder()} disabled={action.busy}>Older entries</button>
      ) : null}
    </section>
  );
}
