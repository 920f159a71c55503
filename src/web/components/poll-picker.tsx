import { api } from '../api/client.js';
import type { Poll } from '../api/types.js';
import { useLoad } from '../state/hooks.js';
import { live } from '../state/live.js';
import { useObservable } from '../state/observable.js';
import { ErrorBox } from './error-box.js';

export const STATE_TEXT: Record<Poll['state'], string> = { draft: 'scheduled', open: 'open', closed: 'closed' };

/** A select of every poll (newest first); `null` stands for "the live poll". */
export function PollPicker({ value, onChange, label = 'Poll' }: { value: number | null; onChange: (id: number | null) => void; label?: string }) {
  const { pollsVersion } = useObservable(live);
  const polls = useLoad(() => api.polls.list(), [pollsVersion]);
  const listed = (polls.data ?? []).filter((p) => p.state !== 'draft');
  return (
    <div class="field field-inline poll-picker">
      <label for="poll-picker">{label}</label>
      <select
        id="poll-picker"
        value={value === null ? 'live' : String(value)}
        onChange={(e) => {
          const v = (e.target as HTMLSelectElement).value;
          onChange(v === 'live' ? null : Number(v));
        }}
      >
        <option value="live">Current poll (live)</option>
        {listed.map((p) => (
          <option key={p.id} value={String(p.id)}>
            #{p.id} {p.question} ({STATE_TEXT[p.state]})
          </option>
        ))}
      </select>
      <ErrorBox error={polls.error} context="Could not list polls" />
    </div>
  );
}

/** The poll id in the page's query (?poll=3), or null for the live poll. */
export function pollParam(params: URLSearchParams): number | null {
  const raw = params.get('poll');
  if (!raw) return null;
  const id = Number(raw);
  return Number.isInteger(id) && id > 0 ? id : null;
}
