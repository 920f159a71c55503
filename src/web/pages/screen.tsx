import { useEffect, useMemo } from 'preact/hooks';
import type { OptionResult } from '../api/types.js';
import { ResultBars } from '../components/result-bars.js';
import { formatCount } from '../lib/format.js';
import { useDocumentTitle } from '../state/hooks.js';
import { live } from '../state/live.js';
import { Observable, useObservable } from '../state/observable.js';
import { initialPublicView, watchPublicResults } from '../state/public-results.js';

/**
 * The hall's big screen: the question and the bars in type readable from the back of the room,
 * nothing to click. Logged in, it follows the organiser's live stream; otherwise it is the public
 * view, shown only when the organiser allows it. Double-click (or F) toggles full screen.
 */
export function ScreenPage({ signedIn }: { signedIn: boolean }) {
  useDocumentTitle('Big screen');
  useEffect(() => {
    const toggle = (): void => {
      if (document.fullscreenElement) void document.exitFullscreen();
      else void document.documentElement.requestFullscreen?.().catch(() => undefined);
    };
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'f' || e.key === 'F') toggle();
    };
    document.addEventListener('dblclick', toggle);
    document.addEventListener('keydown', onKey);
    document.body.classList.add('screen-mode');
    return () => {
      document.removeEventListener('dblclick', toggle);
      document.removeEventListener('keydown', onKey);
      document.body.classList.remove('screen-mode');
    };
  }, []);
  return signedIn ? <OrganiserScreen /> : <PublicScreen />;
}

function OrganiserScreen() {
  const state = useObservable(live);
  if (!state.poll || !state.tally) return <ScreenMessage title={state.status === 'live' ? 'No poll yet' : 'Connecting…'} />;
  return <ScreenResults question={state.poll.question} closed={state.poll.state === 'closed'} options={state.tally.options} total={state.tally.total} />;
}

function PublicScreen() {
  const view = useMemo(() => new Observable(initialPublicView), []);
  useEffect(() => watchPublicResults(view), [view]);
  const v = useObservable(view);
  if (v.status === 'refused') {
    return (
      <ScreenMessage title="Results are not public" detail={v.error?.message ?? 'The organiser has not made these results public.'}>
        This screen shows them as soon as the organiser allows it.
      </ScreenMessage>
    );
  }
  if (v.status === 'unreachable') return <ScreenMessage title="Waiting for the server…" detail={v.error?.message} />;
  if (v.status === 'loading' || !v.poll) return <ScreenMessage title="Loading…" />;
  return <ScreenResults question={v.poll.question} closed={v.poll.state === 'closed'} options={v.options} total={v.total} />;
}

function ScreenResults({ question, closed, options, total }: { question: string; closed: boolean; options: Required<OptionResult>[]; total: number }) {
  return (
    <main id="main" class="screen">
      <h1 id="screen-question" class="screen-question">{question}</h1>
      <ResultBars options={options} labelledBy="screen-question" size="huge" />
      <p class="screen-total">
        <span data-stat="total">{formatCount(total)}</span> {total === 1 ? 'vote' : 'votes'}
        {closed ? <span class="screen-closed"> · final results</span> : null}
      </p>
    </main>
  );
}

function ScreenMessage({ title, detail, children }: { title: string; detail?: string | undefined; children?: preact.ComponentChildren }) {
  return (
    <main id="main" class="screen screen-message">
      <div role="status">
        <h1 class="screen-question">{title}</h1>
        {detail ? <p class="screen-detail">{detail}</p> : null}
        {children ? <p class="screen-detail">{children}</p> : null}
      </div>
    </main>
  );
}
