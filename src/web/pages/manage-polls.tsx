import { useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Poll, PublicResults } from '../api/types.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ErrorBox } from '../components/error-box.js';
import { STATE_TEXT } from '../components/poll-picker.js';
import { formatDateTime, fromLocalInput, toLocalInput } from '../lib/format.js';
import { followLink } from '../router.js';
import { useAction, useLoad } from '../state/hooks.js';
import { live } from '../state/live.js';
import { useObservable } from '../state/observable.js';
import { PollForm, PUBLIC_TEXT } from './poll-form.js';

/** Open, close, schedule and delete polls, and set who may see their results. */
export function ManagePolls() {
  const { pollsVersion } = useObservable(live);
  const polls = useLoad(() => api.polls.list(), [pollsVersion]);
  const action = useAction();
  const act = async (change: () => Promise<unknown>): Promise<void> => {
    await action.run(change);
    polls.reload();
  };
  return (
    <section id="polls" class="card" aria-labelledby="polls-title">
      <h2 id="polls-title">Polls</h2>
      <PollForm onCreated={polls.reload} />
      <ErrorBox error={polls.error ?? action.error} />
      {polls.data && polls.data.length > 0 ? (
        <div class="table-wrap">
          <table class="table polls-table">
            <caption class="visually-hidden">Every poll, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Poll</th>
                <th scope="col">State</th>
                <th scope="col">Times</th>
                <th scope="col">Public results</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {polls.data.map((p) => (
                <PollRow key={p.id} poll={p} act={act} />
              ))}
            </tbody>
          </table>
        </div>
      ) : polls.data ? (
        <p class="muted">No poll yet.</p>
      ) : null}
    </section>
  );
}

function PollRow({ poll: p, act }: { poll: Poll; act: (change: () => Promise<unknown>) => Promise<void> }) {
  const [rescheduling, setRescheduling] = useState(false);
  return (
    <tr data-poll-id={p.id}>
      <th scope="row" data-label="Poll">
        <span class="muted">#{p.id}</span> {p.question}
        <div class="muted small">{p.options.map((o, i) => `${i + 1}. ${o}`).join(' · ')}</div>
      </th>
      <td data-label="State">
        <span class={`pill pill-${p.state}`}>{STATE_TEXT[p.state]}</span>
      </td>
      <td data-label="Times" class="small">
        {p.openedAt ? <div>opened {formatDateTime(p.openedAt)}</div> : null}
        {p.state === 'draft' && p.opensAt ? <div>opens {formatDateTime(p.opensAt)}</div> : null}
        {p.closedAt ? <div>closed {formatDateTime(p.closedAt)}</div> : p.closesAt ? <div>closes {formatDateTime(p.closesAt)}</div> : null}
        {rescheduling ? <Reschedule poll={p} onDone={() => setRescheduling(false)} act={act} /> : null}
      </td>
      <td data-label="Public results">
        <label for={`public-${p.id}`} class="visually-hidden">Public results of poll {p.id}</label>
        <select
          id={`public-${p.id}`}
          value={p.publicResults}
          onChange={(e) => void act(() => api.polls.change(p.id, { publicResults: (e.target as HTMLSelectElement).value as PublicResults }))}
        >
          {Object.entries(PUBLIC_TEXT).map(([v, text]) => (
            <option key={v} value={v}>{text}</option>
          ))}
        </select>
      </td>
      <td data-label="Actions">
        <div class="actions">
          {p.state === 'open' ? (
            <ConfirmButton label="Close" ariaLabel={`Close poll ${p.id}`} question="Kiosks stop taking votes for it." onConfirm={() => act(() => api.polls.close(p.id))} />
          ) : null}
          {p.state === 'draft' ? (
            <>
              <ConfirmButton label="Open now" ariaLabel={`Open poll ${p.id} now`} question="Closes the open poll, if any." onConfirm={() => act(() => api.polls.open(p.id))} />
              <button type="button" class="button button-small" onClick={() => setRescheduling(!rescheduling)}>Reschedule</button>
              <ConfirmButton label="Delete" ariaLabel={`Delete poll ${p.id}`} question="Delete this scheduled poll?" danger onConfirm={() => act(() => api.polls.remove(p.id))} />
            </>
          ) : null}
          {p.state === 'open' && !rescheduling ? (
            <button type="button" class="button button-small" onClick={() => setRescheduling(true)}>Set closing time</button>
          ) : null}
          {p.state !== 'draft' ? (
            <a class="button button-small button-quiet" href={`/results?poll=${p.id}`} onClick={followLink}>Results</a>
          ) : null}
        </div>
      </td>
    </tr>
  );
}

function Reschedule({ poll, onDone, act }: { poll: Poll; onDone: () => void; act: (change: () => Promise<unknown>) => Promise<void> }) {
  const [opensAt, setOpensAt] = useState(toLocalInput(poll.opensAt));
  const [closesAt, setClosesAt] = useState(toLocalInput(poll.closesAt));
  return (
    <form
      class="form reschedule"
      onSubmit={async (e) => {
        e.preventDefault();
        const change = poll.state === 'draft' ? { opensAt: fromLocalInput(opensAt), closesAt: fromLocalInput(closesAt) } : { closesAt: fromLocalInput(closesAt) };
        await act(() => api.polls.change(poll.id, change));
        onDone();
      }}
    >
      {poll.state === 'draft' ? (
        <div class="field">
          <label for={`opens-${poll.id}`}>Opens at</label>
          <input id={`opens-${poll.id}`} type="datetime-local" value={opensAt} onInput={(e) => setOpensAt((e.target as HTMLInputElement).value)} />
        </div>
      ) : null}
      <div class="field">
        <label for={`closes-${poll.id}`}>Closes at (empty: when closed by hand)</label>
        <input id={`closes-${poll.id}`} type="datetime-local" value={closesAt} onInput={(e) => setClosesAt((e.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" class="button button-small button-primary">Save</button>{' '}
      <button type="button" class="button button-small" onClick={onDone}>Cancel</button>
    </form>
  );
}
