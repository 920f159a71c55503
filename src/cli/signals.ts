/**
 * Resolves on the first SIGTERM or SIGINT, so a long-running command can shut down in order
 * (flush, release, close) instead of dying mid-write. A second signal while shutting down
 * exits at once: an operator pressing Ctrl-C twice means it.
 */
export function waitForStopSignal(onSecond: () => void = () => process.exit(130)): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', first);
      process.off('SIGINT', first);
      process.once('SIGTERM', onSecond);
      process.once('SIGINT', onSecond);
      resolve(signal);
    };
    process.on('SIGTERM', first);
    process.on('SIGINT', first);
  });
}
