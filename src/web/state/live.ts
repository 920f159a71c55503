import { isAuthError } from '../api/client.js';
import { openEventStream } from './event-stream.js';
import { applyEvent, initialLiveState, LIVE_EVENT_NAMES, type LiveEventName, type LiveState } from './live-state.js';
import { Observable } from './observable.js';
import { probeSession } from './session.js';

/** The organiser's live view of the server, fed by GET /api/events while logged in. */
export const live = new Observable<LiveState>(initialLiveState);

let stop: (() => void) | null = null;

export function startLive(): void {
  if (stop) return;
  stop = openEventStream('/api/events', LIVE_EVENT_NAMES, {
    onEvent: (name, data) => live.update((s) => applyEvent(s, name as LiveEventName, data as never, Date.now())),
    onStatus: (status) => live.update((s) => (s.status === status ? s : { ...s, status })),
    onRefused: async () => {
      try {
        return (await probeSession()).kind === 'signed-in'; // refused for another reason: try again
      } catch (err) {
        return !isAuthError(err); // the server is down: keep trying
      }
    },
  });
}

export function stopLive(): void {
  stop?.();
  stop = null;
  live.set(initialLiveState);
}

/** The server's "now", as far as this browser can tell. */
export function serverNow(state: LiveState): number {
  return Date.now() + state.clockOffsetMs;
}
