/** Reconnect delays: doubling from 1 s to 15 s, each drawn from its upper half so a restarted
 *  server is not hit by every open dashboard in the same millisecond. */
const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 15_000;

export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
