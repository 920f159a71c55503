import type { LocationResult } from '../api/types.js';
import { formatCount, formatPercent } from '../lib/format.js';
import { labelledOptions } from '../state/live-state.js';

/** One row per location: a stacked bar of the option shares, and the numbers beside it. */
export function LocationComparison({ locations, labels }: { locations: LocationResult[]; labels: string[] }) {
  if (locations.length === 0) return <p class="muted">No votes yet.</p>;
  return (
    <div class="table-wrap">
      <table class="table location-table">
        <caption class="visually-hidden">Results per location</caption>
        <thead>
          <tr>
            <th scope="col">Location</th>
            <th scope="col" class="num">Votes</th>
            {labels.map((l, i) => (
              <th key={i} scope="col" class="num">
                <span class={`swatch fill-${(i % 8) + 1}`} aria-hidden="true" /> {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {locations.map((loc) => {
            const options = labelledOptions(labels, loc.options);
            return (
              <tr key={loc.location}>
                <th scope="row" data-label="Location">
                  {loc.location || 'No location'}
                  <div class="stacked-bar" aria-hidden="true">
                    {options.map((o) => (
                      <span key={o.button} class={`fill-${((o.button - 1) % 8) + 1}`} style={{ width: `${o.percent}%` }} />
                    ))}
                  </div>
                </th>
                <td data-label="Votes" class="num">{formatCount(loc.total)}</td>
                {options.map((o) => (
                  <td key={o.button} data-label={o.label} class="num">
                    {formatPercent(o.percent)} <span class="muted">({formatCount(o.count)})</span>
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
