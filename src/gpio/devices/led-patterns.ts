import type { PatternStep } from '../mock/output-history.js';

/**
 * LED patterns as data, so hardware/ docs can describe them and tests can compare the mock's
 * output history against the same definitions the kiosk plays.
 */

export interface LedStep {
  on: boolean;
  ms: number;
}

export type LedPattern =
  | { readonly kind: 'steady'; readonly name: string; readonly description: string; readonly on: boolean }
  | {
      readonly kind: 'cycle';
      readonly name: string;
      readonly description: string;
      /** Steps alternate on/off. */
      readonly steps: readonly LedStep[];
      /** How many times the steps play; then the LED is left off. */
      readonly repeat: number | 'forever';
    };

export type StatusState = 'connecting' | 'online' | 'offline' | 'error';

export const STATUS_PATTERNS: Readonly<Record<StatusState, LedPattern>> = {
  online: { kind: 'steady', name: 'online', description: 'steady on: connected to the server', on: true },
  connecting: {
    kind: 'cycle',
    name: 'connecting',
    description: 'fast blink, 100 ms on / 100 ms off: connecting or authenticating',
    steps: [{ on: true, ms: 100 }, { on: false, ms: 100 }],
    repeat: 'forever',
  },
  offline: {
    kind: 'cycle',
    name: 'offline',
    description: 'slow blink, 1 s on / 1 s off: no server; votes are kept in the outbox and sent later',
    steps: [{ on: true, ms: 1000 }, { on: false, ms: 1000 }],
    repeat: 'forever',
  },
  error: {
    kind: 'cycle',
    name: 'error',
    description: 'double flash every 1.5 s: needs attention (authentication refused, storage error, GPIO fault)',
    steps: [{ on: true, ms: 150 }, { on: false, ms: 150 }, { on: true, ms: 150 }, { on: false, ms: 1050 }],
    repeat: 'forever',
  },
};

/**
 * Short feedback patterns for a button's own LED. Each answer a voter can get looks different,
 * so nobody has to read a screen: counted (one long glow), saved-but-not-yet-sent (slow pulses),
 * not accepted (quick flicker).
 */
export const FEEDBACK_PATTERNS = {
  confirmed: {
    kind: 'cycle',
    name: 'confirmed',
    description: 'one 1.2 s glow: the server stored the vote; it is counted',
    steps: [{ on: true, ms: 1200 }],
    repeat: 1,
  },
  savedOffline: {
    kind: 'cycle',
    name: 'savedOffline',
    description: 'three slow pulses, 400 ms on / 400 ms off: saved on the kiosk, will be sent when the server is back',
    steps: [{ on: true, ms: 400 }, { on: false, ms: 400 }],
    repeat: 3,
  },
  refused: {
    kind: 'cycle',
    name: 'refused',
    description: 'five quick flashes, 80 ms on / 80 ms off: not accepted (no poll open, not an option, or refused by the server)',
    steps: [{ on: true, ms: 80 }, { on: false, ms: 80 }],
    repeat: 5,
  },
} as const satisfies Record<string, LedPattern>;

export function blinkPattern(onMs: number, offMs: number, count?: number): LedPattern {
  return {
    kind: 'cycle',
    name: `blink ${onMs}/${offMs}${count === undefined ? '' : ` x${count}`}`,
    description: `${onMs} ms on / ${offMs} ms off${count === undefined ? '' : `, ${count} times`}`,
    steps: [{ on: true, ms: onMs }, { on: false, ms: offMs }],
    repeat: count ?? 'forever',
  };
}

/** The pattern as mock-history steps, for `mock.matchesPattern(pin, patternSteps(p))`. */
export function patternSteps(pattern: LedPattern): PatternStep[] {
  if (pattern.kind === 'steady') return [{ value: pattern.on ? 1 : 0, ms: 0 }];
  return pattern.steps.map((s) => ({ value: s.on ? 1 : 0, ms: s.ms }));
}
