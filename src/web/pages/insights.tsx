import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import { ErrorBox } from '../components/error-box.js';
import { HeatMap } from '../components/heat-map.js';
import { LocationComparison } from '../components/location-comparison.js';
import { PollPicker, pollParam } from '../components/poll-picker.js';
import { TrendChart } from '../components/trend-chart.js';
import type { HeatMode } from '../lib/heatmap.js';
import { location, navigate } from '../router.js';
import { useDocumentTitle, useLoad } from '../state/hooks.js';
import { live } from '../state/live.js';
import { useObservable } from '../state/observable.js';

const BROWSER_TZ = Intl.DateTimeFormat().resolvedOptions().timeZone;
const ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [BROWSER_TZ];
const LIVE_REFRESH_MS = 60_000;

/** When people vote and how each place compares: heat map, per-location table, trend. */
export function InsightsPage() {
  useDocumentTitle('Insights');
  const here = useObservable(location);
  const state = useObservable(live);
  const chosen = pollParam(here.params);
  const tz = here.params.get('tz') || BROWSER_TZ;
  const [mode, setMode] = useState<HeatMode>('votes');
  const pollId = chosen ?? state.poll?.id ?? null;
  const data = useLoad(
    async () => (pollId === null ? null : Promise.all([api.polls.get(pollId), api.polls.insights(pollId, tz)])),
    [pollId, tz, state.pollsVersion],
  );
  const poll = data.data?.[0] ?? null;
  const insights = data.data?.[1] ?? null;
  const isOpen = poll?.state === 'open';
  useEffect(() => {
    if (!isOpen) return undefined;
    const timer = setInterval(data.reload, LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [isOpen, data.reload]);

  const go = (poll: number | null, zone: string): void => {
    const q = new URLSearchParams();
    if (poll !== null) q.set('poll', String(poll));
    if (zone !== BROWSER_TZ) q.set('tz', zone);
    navigate(`/insights${q.size ? `?${q}` : ''}`, { replace: true });
  };

  return (
    <>
      <div class="page-head">
        <h1>Insights</h1>
        <div class="toolbar">
          <PollPicker value={chosen} onChange={(id) => go(id, tz)} />
          <div class="field field-inline">
            <label for="tz">Time zone</label>
            <input id="tz" list="tz-list" value={tz} onChange={(e) => go(chosen, (e.target as HTMLInputElement).value || BROWSER_TZ)} />
            <datalist id="tz-list">
              {ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </div>
          <button type="button" class="button button-small" onClick={data.reload} disabled={data.loading}>Refresh</button>
        </div>
      </div>
      <ErrorBox error={data.error} context="Could not load insights" />
      {pollId === null ? <p class="card empty">No poll has been opened yet.</p> : null}
      {poll && insights ? (
        <>
          <p class="poll-meta">
            Poll #{poll.id}: <strong>{poll.question}</strong>
          </p>
          <section class="card" aria-labelledby="heat-title">
            <div class="section-head">
              <h2 id="heat-title">When people vote</h2>
              <fieldset class="segmented">
                <legend class="visually-hidden">Heat map shows</legend>
                <label>
                  <input type="radio" name="heat-mode" checked={mode === 'votes'} onChange={() => setMode('votes')} /> Votes
                </label>
                <label>
                  <input type="radio" name="heat-mode" checked={mode === 'share'} onChange={() => setMode('share')} /> Share of “{poll.options[0]}”
                </label>
              </fieldset>
            </div>
            <HeatMap cells={insights.heatmap} mode={mode} firstOption={poll.options[0] ?? 'option 1'} tz={insights.tz} />
          </section>
          <section class="card" aria-labelledby="location-title">
            <h2 id="location-title">By location</h2>
            <LocationComparison locations={insights.byLocation} labels={poll.options} />
          </section>
          <section class="card" aria-labelledby="trend-title">
            <h2 id="trend-title">Over the poll's life</h2>
            <TrendChart trend={insights.trend} labels={poll.options} bucketMinutes={insights.trendBucketMinutes} />
          </section>
        </>
      ) : data.loading && pollId !== null ? (
        <p class="muted" aria-busy="true">Loading…</p>
      ) : null}
    </>
  );
}
