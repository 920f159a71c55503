import { PivoteError } from '../../protocol/errors.js';
import { MAX_OPTIONS, MAX_OPTION_LENGTH, MAX_QUESTION_LENGTH, MIN_OPTIONS } from '../../protocol/messages.js';

/** JSON schemas and small parsers the routes share. Unknown properties are refused (see app.ts). */

export const POLL_REF = { type: 'string', pattern: '^([1-9][0-9]{0,15}|current)$' } as const;
export const NUMERIC_ID = { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } as const;
export const KIOSK_ID = { type: 'string', minLength: 1, maxLength: 64 } as const;
/** An ISO 8601 time, or null to clear. */
export const TIME_OR_NULL = { anyOf: [{ type: 'string', minLength: 10, maxLength: 40 }, { type: 'null' }] } as const;
export const PUBLIC_RESULTS = { type: 'string', enum: ['never', 'always', 'after-close'] } as const;

export const POLL_DEFINITION = {
  question: { type: 'string', minLength: 1, maxLength: MAX_QUESTION_LENGTH },
  options: { type: 'array', minItems: MIN_OPTIONS, maxItems: MAX_OPTIONS, items: { type: 'string', minLength: 1, maxLength: MAX_OPTION_LENGTH } },
} as const;

/** Query strings are text (bodies are not coerced, see app.ts): booleans and counts as words. */
export const QUERY_BOOLEAN = { type: 'string', enum: ['true', 'false'] } as const;
export const QUERY_COUNT = { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } as const;

export const queryBoolean = (value: string | undefined, otherwise: boolean): boolean => (value === undefined ? otherwise : value === 'true');

export function pollRef(value: string): number | 'current' {
  return value === 'current' ? 'current' : Number(value);
}

/** ISO text to ms; undefined stays undefined (not given), null stays null (cleared). */
export function parseTime(name: string, value: string | null | undefined): number | null | undefined {
  if (value === undefined || value === null) return value;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new PivoteError('PV_BAD_REQUEST', `${name} must be an ISO 8601 time such as 2026-12-04T18:00:00Z; got "${value}"`);
  return ms;
}
