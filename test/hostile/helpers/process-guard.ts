/**
 * Records uncaught exceptions and unhandled rejections while installed, so a test can assert
 * there were none: a throw out of a socket event handler would take a real server down.
 */
export interface ProcessGuard {
  readonly errors: unknown[];
  dispose(): void;
}

export function guardProcess(): ProcessGuard {
  const errors: unknown[] = [];
  const onError = (err: unknown): void => void errors.push(err);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return {
    errors,
    dispose() {
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
    },
  };
}
