import type { ErrorCode } from '../protocol/errors.js';
import { idleTimeoutMs, type ServerLimits } from './limits.js';

/**
 * Which deadline, if any, a connection has missed. Pure; the server sweeps all connections every
 * `deadlineSweepMs` instead of arming a timer per connection per frame. Times are monotonic ms.
 */
export interface DeadlineFacts {
  connectedAt: number;
  /** Last time any byte arrived. */
  lastReceivedAt: number;
  /** When the incomplete frame now buffered began, or -1 if none is. */
  frameStartedAt: number;
  authenticated: boolean;
}

export type DeadlineCode = Extract<ErrorCode, 'PV_AUTH_TIMEOUT' | 'PV_FRAME_TIMEOUT' | 'PV_IDLE_TIMEOUT'>;

export function missedDeadline(s: DeadlineFacts, now: number, limits: ServerLimits): DeadlineCode | null {
  if (!s.authenticated && now - s.connectedAt >= limits.authTimeoutMs) return 'PV_AUTH_TIMEOUT';
  // A peer trickling one byte a second never goes idle; the frame deadline catches it.
  if (s.frameStartedAt >= 0 && now - s.frameStartedAt >= limits.frameTimeoutMs) return 'PV_FRAME_TIMEOUT';
  if (now - s.lastReceivedAt >= idleTimeoutMs(limits)) return 'PV_IDLE_TIMEOUT';
  return null;
}

export function deadlineMessage(code: DeadlineCode, limits: ServerLimits): string {
  switch (code) {
    case 'PV_AUTH_TIMEOUT':
      return `not authenticated within ${limits.authTimeoutMs} ms`;
    case 'PV_FRAME_TIMEOUT':
      return `frame not completed within ${limits.frameTimeoutMs} ms`;
    case 'PV_IDLE_TIMEOUT':
      return `nothing received for ${idleTimeoutMs(limits)} ms`;
  }
}
