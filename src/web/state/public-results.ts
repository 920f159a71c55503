import { ApiError, api } from '../api/client.js';
import type { OptionResult, PollState } from '../api/types.js';
import { openEventStream } from './event-stream.js';
import { labelledOptions } from './live-state.js';
import { Observable } from './observable.js';

/**
 * The big screen without a login: GET /api/public/results, then the public event stream of that
 * poll. When the organiser has not allowed public results the server refuses with
 * PV_PUBLIC_RESULTS_OFF; the screen then asks again every little while, so it comes alive by
 * itself once results are allowed (or the poll closes, for "after close").
 */

export interface PublicView {
  status: 'loading' | 'live' | 'refused' | 'unreachable';
  poll: { id: number; question: string; state: PollState } | null;
  options: Required<OptionResult>[];
  total: number;
  error: ApiError | null;
}

const RECHECK_MS = 15_000;

interface PublicCounts {
  poll?: { id: number; question: string; state: PollState } | null;
  pollId?: number;
  options: OptionResult[];
  total: number;
}

function labelled(options: readonly OptionResult[], previous: readonly Required<OptionResult>[]): Required<OptionResult>[] {
  const labels = [...options]
    .sort((a, b) => a.button - b.button)
    .map((o) => o.label ?? previous.find((p) => p.button === o.button)?.label ?? `Option ${o.button}`);
  return labelledOptions(labels, options);
}

export function watchPublicResults(view: Observable<PublicView>): () => void {
  let stopStream: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const apply = (counts: PublicCounts): void =>
    view.update((v) => {
      const poll = counts.poll !== undefined ? counts.poll : v.poll;
      if (counts.pollId !== undefined && poll && counts.pollId !== poll.id) return v;
      return { status: 'live', poll, options: labelled(counts.options, v.options), total: counts.total, error: null };
    });

  const check = async (): Promise<void> => {
    if (stopped) return;
    try {
      apply(await api.public.results());
      stopStream ??= openEventStream('/api/public/events', ['snapshot', 'tally', 'poll', 'unavailable'], {
        onEvent: (name, data) => {
          if (name === 'poll') {
            const { poll } = data as { poll: PublicView['poll'] };
            view.update((v) => ({ ...v, poll }));
          } else if (name === 'unavailable') {
            // another poll opened, or this one stopped being public: ask again what may be shown
            stopStream?.();
            stopStream = null;
            schedule(0);
          } else {
            apply(data as PublicCounts);
          }
        },
        onStatus: () => undefined,
        onRefused: async () => {
          stopStream = null;
          schedule(0); // refused now: results may have been switched off; ask the results route why
          return false;
        },
      });
    } catch (err) {
      const apiErr = err instanceof ApiError ? err : null;
      const refused = apiErr?.code === 'PV_PUBLIC_RESULTS_OFF';
      view.update((v) => ({ ...v, status: refused ? 'refused' : 'unreachable', error: apiErr }));
      schedule(RECHECK_MS);
    }
  };

  const schedule = (ms: number): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void check(), ms);
  };

  void check();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    stopStream?.();
  };
}

export const initialPublicView: PublicView = { status: 'loading', poll: null, options: [], total: 0, error: null };
