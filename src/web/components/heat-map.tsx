import type { HeatCell } from '../api/types.js';
import { formatPercent, plural, WEEKDAYS } from '../lib/format.js';
import { busyHours, heatGrid, type HeatMode } from '../lib/heatmap.js';

interface Props {
  cells: HeatCell[];
  mode: HeatMode;
  firstOption: string;
  tz: string;
  /** Show every hour instead of the busy ones only. */
  allHours?: boolean;
}

const hourLabel = (h: number): string => `${String(h).padStart(2, '0')}h`;

/** Hour × weekday as a table: the colour is the reading, the cell's text the exact numbers. */
export function HeatMap({ cells, mode, firstOption, tz, allHours = false }: Props) {
  const grid = heatGrid(cells, mode);
  const { from, to } = allHours ? { from: 0, to: 23 } : busyHours(cells);
  const hours = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const describe = (count: number, share: number | null): string =>
    mode === 'votes' ? plural(count, 'vote') : share === null ? 'no votes' : `${formatPercent(share)} ${firstOption} (${plural(count, 'vote')})`;
  return (
    <>
      {/* outside the scrolling box, so a phone shows it whole */}
      <p id="heat-caption" class="heat-caption">
        {mode === 'votes' ? 'Votes' : `Share of “${firstOption}”`} by weekday and hour ({tz})
      </p>
      <div class="table-wrap heat-wrap">
        <table class={`heat-map heat-${mode}`} aria-labelledby="heat-caption">
          <thead>
            <tr>
              <td />
              {hours.map((h) => (
                <th key={h} scope="col">{hourLabel(h)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {grid.map((row, i) => (
              <tr key={i}>
                <th scope="row">{WEEKDAYS[i]}</th>
                {hours.map((h) => {
                  const c = row[h]!;
                  const text = describe(c.count, c.firstShare);
                  return (
                    <td key={h} class={c.count === 0 ? 'heat-empty' : undefined} style={{ '--level': c.level.toFixed(3) }} title={`${WEEKDAYS[i]} ${hourLabel(h)}: ${text}`}>
                      <span class="visually-hidden">{text}</span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class={`heat-legend heat-legend-${mode}`} aria-hidden="true">
        <span>{mode === 'votes' ? 'fewer' : '0 %'}</span>
        <span class="heat-scale" />
        <span>{mode === 'votes' ? 'more votes' : '100 %'}</span>
      </p>
    </>
  );
}
