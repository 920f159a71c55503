import { useState } from 'preact/hooks';
import { api, type NewPoll } from '../api/client.js';
import type { Poll, PublicResults } from '../api/types.js';
import { ErrorBox } from '../components/error-box.js';
import { fromLocalInput } from '../lib/format.js';
import { useAction } from '../state/hooks.js';

export const PUBLIC_TEXT: Record<PublicResults, string> = {
  never: 'Never',
  always: 'Always (while open, too)',
  'after-close': 'After the poll closes',
};

const MAX_OPTIONS = 8;

/** Opens a poll now, or schedules it: question, 2–8 options (option i is button i), visibility. */
export function PollForm({ onCreated }: { onCreated: (poll: Poll) => void }) {
  const [question, setQuestion] = useState('');
  const [options, setOptions] = useState(['', '']);
  const [publicResults, setPublicResults] = useState<PublicResults>('never');
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [opensAt, setOpensAt] = useState('');
  const [closesAt, setClosesAt] = useState('');
  const action = useAction();

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const poll: NewPoll = { question: question.trim(), options: options.map((o) => o.trim()), publicResults };
    const opens = when === 'later' ? fromLocalInput(opensAt) : null;
    const closes = fromLocalInput(closesAt);
    if (opens) poll.opensAt = opens;
    if (closes) poll.closesAt = closes;
    const created = await action.run(() => api.polls.create(poll));
    if (!created) return;
    setQuestion('');
    setOptions(['', '']);
    setOpensAt('');
    setClosesAt('');
    onCreated(created);
  };

  return (
    <form class="form poll-form" onSubmit={submit} aria-labelledby="new-poll-title">
      <h3 id="new-poll-title">New poll</h3>
      <div class="field">
        <label for="poll-question">Question</label>
        <input id="poll-question" required maxLength={200} value={question} onInput={(e) => setQuestion((e.target as HTMLInputElement).value)} />
      </div>
      <fieldset class="options-fieldset">
        <legend>Options (option 1 is button 1 on every kiosk)</legend>
        <ol class="option-inputs">
          {options.map((value, i) => (
            <li key={i}>
              <label for={`poll-option-${i + 1}`} class="visually-hidden">Option {i + 1}</label>
              <input
                id={`poll-option-${i + 1}`}
                required
                maxLength={60}
                value={value}
                placeholder={`Option ${i + 1}`}
                onInput={(e) => setOptions(options.map((o, j) => (j === i ? (e.target as HTMLInputElement).value : o)))}
              />
              {options.length > 2 ? (
                <button type="button" class="button button-small button-quiet" onClick={() => setOptions(options.filter((_, j) => j !== i))}>
                  Remove<span class="visually-hidden"> option {i + 1}</span>
                </button>
              ) : null}
            </li>
          ))}
        </ol>
        {options.length < MAX_OPTIONS ? (
          <button type="button" class="button button-small" onClick={() => setOptions([...options, ''])}>Add an option</button>
        ) : null}
      </fieldset>
      <div class="form-row">
        <div class="field">
          <label for="poll-public">Results on the public big screen</label>
          <select id="poll-public" value={publicResults} onChange={(e) => setPublicResults((e.target as HTMLSelectElement).value as PublicResults)}>
            {Object.entries(PUBLIC_TEXT).map(([v, text]) => (
              <option key={v} value={v}>{text}</option>
            ))}
          </select>
        </div>
      </div>
      <fieldset class="segmented">
        <legend>Open</legend>
        <label>
          <input type="radio" name="poll-when" checked={when === 'now'} onChange={() => setWhen('now')} /> Now
        </label>
        <label>
          <input type="radio" name="poll-when" checked={when === 'later'} onChange={() => setWhen('later')} /> At a set time
        </label>
      </fieldset>
      <div class="form-row">
        {when === 'later' ? (
          <div class="field">
            <label for="poll-opens-at">Opens at</label>
            <input id="poll-opens-at" type="datetime-local" required value={opensAt} onInput={(e) => setOpensAt((e.target as HTMLInputElement).value)} />
          </div>
        ) : null}
        <div class="field">
          <label for="poll-closes-at">Closes at (optional)</label>
          <input id="poll-closes-at" type="datetime-local" value={closesAt} onInput={(e) => setClosesAt((e.target as HTMLInputElement).value)} />
        </div>
      </div>
      <ErrorBox error={action.error} context="The poll was not opened" />
      <button type="submit" class="button button-primary" disabled={action.busy}>
        {when === 'now' ? 'Open poll' : 'Schedule poll'}
      </button>
    </form>
  );
}
