import { api, voteExportUrl } from '../api/client.js';
import type { Poll } from '../api/types.js';
import { ErrorBox } from '../components/error-box.js';
import { PollPicker, pollParam } from '../components/poll-picker.js';
import { ResultBars } from '../components/result-bars.js';
import { formatAgo, formatCount, formatDateTime } from '../lib/format.js';
import { followLink, location, navigate } from '../router.js';
import { useDocumentTitle, useLoad, useNow } from '../state/hooks.js';
import { live, serverNow } from '../state/live.js';
import { labelledOptions, type LiveTally } from '../state/live-state.js';
import { useObservable } from '../state/observable.js';

/** The live poll's tally from the event stream, or any past poll's counts on request. */
export function ResultsPage() {
  const here = useObservable(location);
  const state = useObservable(live);
  useNow(15_000);
  const chosen = pollParam(here.params);
  const showsLive = chosen === null || chosen === state.poll?.id;
  const past = useLoad(
    async () => (showsLive || chosen === null ? null : Promise.all([api.polls.get(chosen), api.polls.results(chosen)])),
    [chosen, showsLive, state.pollsVersion],
  );
  useDocumentTitle('Results');

  let poll: Poll | null = null;
  let tally: LiveTally | null = null;
  if (showsLive) {
    poll = state.poll;
    tally = state.tally;
  } else if (past.data) {
    const [p, r] = past.data;
    poll = p;
    tally = { pollId: p.id, options: labelledOptions(p.options, r.options), total: r.total, flagged: r.flaggedExcluded, perMinute: null, lastVoteAt: null };
  }

  return (
    <>
      <div class="page-head">
        <h1 id="results-title">Results</h1>
        <PollPicker value={chosen} onChange={(id) => navigate(id === null ? '/results' : `/results?poll=${id}`)} />
      </div>
      {!showsLive ? <ErrorBox error={past.error} context="Could not load the poll" /> : null}
      {poll && tally ? (
        <PollResults poll={poll} tally={tally} live={showsLive} now={serverNow(state)} />
      ) : showsLive && state.status !== 'live' ? (
        <p class="muted" aria-busy="true">Connecting to the server…</p>
      ) : !showsLive && past.loading ? (
        <p class="muted" aria-busy="true">Loading…</p>
      ) : showsLive ? (
        <div class="card empty">
          <p>No poll has been opened yet.</p>
          <p>
            Open one on the <a href="/manage" onClick={followLink}>Manage</a> page or with <code>pivote poll open</code>.
          </p>
        </div>
      ) : null}
    </>
  );
}

function PollResults({ poll, tally, live: isLive, now }: { poll: Poll; tally: LiveTally; live: boolean; now: number }) {
  return (
    <section class="card results-card" aria-labelledby="poll-question" data-poll-id={poll.id}>
      <p class="poll-meta">
        <span class={`pill pill-${poll.state}`}>{poll.state === 'open' ? 'Open' : poll.state === 'closed' ? 'Closed' : 'Scheduled'}</span>{' '}
        Poll #{poll.id}
        {poll.state === 'open' && poll.openedAt ? ` · opened ${formatAgo(poll.openedAt, now)}` : ''}
        {poll.state === 'closed' && poll.closedAt ? ` · closed ${formatDateTime(poll.closedAt, now)}` : ''}
        {poll.state === 'open' && poll.closesAt ? ` · closes ${formatDateTime(poll.closesAt, now)}` : ''}
      </p>
      <h2 id="poll-question" class="poll-question">{poll.question}</h2>
      <ResultBars options={tally.options} labelledBy="poll-question" />
      <dl class="stats">
        <div>
          <dt>Total</dt>
          <dd data-stat="total">{formatCount(tally.total)}</dd>
        </div>
        <div>
          <dt>Flagged presses</dt>
          <dd data-stat="flagged" title="Presses in a burst from one kiosk: stored, left out of the counts">{formatCount(tally.flagged)}</dd>
        </div>
        {isLive ? (
          <div>
            <dt>Votes per minute</dt>
            <dd data-stat="per-minute">{tally.perMinute === null ? '—' : formatCount(Math.round(tally.perMinute * 10) / 10)}</dd>
          </div>
        ) : null}
        {isLive && tally.lastVoteAt ? (
          <div>
            <dt>Last vote</dt>
            <dd>{formatAgo(tally.lastVoteAt, now)}</dd>
          </div>
        ) : null}
      </dl>
      <p class="export-links">
        Every vote of this poll, for audits:{' '}
        <a href={voteExportUrl(poll.id, 'csv')} download>CSV</a>
        {' · '}
        <a href={voteExportUrl(poll.id, 'jsonl')} download>JSON lines</a>
      </p>
    </section>
  );
}
