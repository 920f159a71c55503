import type { OptionResult } from '../api/types.js';
import { formatCount, formatPercent, plural } from '../lib/format.js';

interface Props {
  options: Required<OptionResult>[];
  /** Labelled by this heading id (the question). */
  labelledBy?: string;
  size?: 'normal' | 'huge';
}

/**
 * One bar per option with its count and the percentage the server computed (largest remainder,
 * so they add up to 100.0). The bar's width follows the percentage with a short CSS transition,
 * so a new vote visibly grows it; the numbers are text, so screen readers get them too.
 */
export function ResultBars({ options, labelledBy, size = 'normal' }: Props) {
  return (
    <ol class={`result-bars result-bars-${size}`} aria-labelledby={labelledBy}>
      {options.map((o) => (
        <li key={o.button} class="result-bar" data-button={o.button}>
          <div class="result-bar-text">
            <span class="result-label">
              <span class="result-button" aria-hidden="true">{o.button}</span>
              {o.label}
            </span>
            <span class="result-numbers">
              <span class="result-percent" data-percent={o.percent}>{formatPercent(o.percent)}</span>
              <span class="result-count" data-count={o.count}>
                <span class="visually-hidden">, </span>
                {size === 'huge' ? formatCount(o.count) : plural(o.count, 'vote')}
              </span>
            </span>
          </div>
          <div class="result-track" aria-hidden="true">
            <div class={`result-fill fill-${((o.button - 1) % 8) + 1}`} style={{ width: `${Math.min(100, Math.max(0, o.percent))}%` }} />
          </div>
        </li>
      ))}
    </ol>
  );
}
