import { retryDelayMs } from '../lib/retry.js';
import type { StreamStatus } from './live-state.js';

/**
 * One Server-Sent Events connection that comes back by itself. The browser's EventSource retries
 * a dropped stream on its own, but gives up for good when the server answers with an error
 * status (401 after the session expired, 403 when public results were switched off): then
 * `onRefused` decides whether to try again, after a growing, jittered delay (lib/retry).
 */

export interface StreamHandlers {
  onEvent(name: string, data: unknown): void;
  onStatus(status: StreamStatus): void;
  /** The stream was closed for good; resolve true to connect again after a delay. */
  onRefused(): Promise<boolean>;
}

export function openEventStream(url: string, eventNames: readonly string[], handlers: StreamHandlers): () => void {
  let source: EventSource | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let attempt = 0;
  let stopped = false;

  const connect = (): void => {
    if (stopped) return;
    const es = new EventSource(url, { withCredentials: true });
    source = es;
    es.onopen = () => {
      attempt = 0;
    };
    for (const name of eventNames) {
      es.addEventListener(name, (event) => {
        let data: unknown;
        try {
          data = JSON.parse((event as MessageEvent<string>).data);
        } catch {
          return; // not ours to render; the next snapshot or tally puts things right
        }
        if (name === 'snapshot') handlers.onStatus('live');
        handlers.onEvent(name, data);
      });
    }
    es.onerror = () => {
      if (stopped) return;
      if (es.readyState !== EventSource.CLOSED) {
        handlers.onStatus('reconnecting'); // the browser retries; a fresh snapshot follows
        return;
      }
      es.close();
      handlers.onStatus('reconnecting');
      void handlers.onRefused().then((again) => {
        if (!again || stopped) return;
        retryTimer = setTimeout(connect, retryDelayMs(attempt++));
      });
    };
  };

  handlers.onStatus('connecting');
  connect();
  return () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    source?.close();
  };
}
