/**
 * Guarantee 1 as a check over an event log: after a press, no LED of the kiosk may change
 * before that press has been appended to the outbox.
 */
export type OrderEvent =
  | { kind: 'press'; button: number }
  | { kind: 'append'; button: number }
  | { kind: 'led'; led: number | 'status'; value: 0 | 1 };

/** Returns the violations (empty when the log is in order). */
export function ledChangesBeforeAppend(log: readonly OrderEvent[]): string[] {
  const violations: string[] = [];
  let waiting: number | undefined;
  log.forEach((e, i) => {
    if (e.kind === 'press') waiting = e.button;
    else if (e.kind === 'append' && e.button === waiting) waiting = undefined;
    else if (e.kind === 'led' && e.led !== 'status' && waiting !== undefined) {
      violations.push(`#${i}: LED ${e.led} -> ${e.value} after press ${waiting} but before its outbox append`);
    }
  });
  return violations;
}
