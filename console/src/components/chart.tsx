import { useId } from 'react';

export interface Series {
  label: string;
  /** The CSS class that colours it (see styles.css: .series-issued, .series-failed…). */
  className: string;
  /** One value per bucket. */
  values: number[];
}

const W = 720;
const H = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };

/** A round upper bound for the axis: 1, 2, 5 × 10^n. */
function niceMax(value: number): number {
  if (value <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= value)!;
}

/**
 * Bars per bucket, one colour per series, drawn as inline SVG (no chart library, nothing the CSP
 * would refuse). Screen readers get the summary in `label` and a table of the non-empty buckets.
 */
export function BarChart({ label, buckets, series }: { label: string; buckets: Date[]; series: Series[] }) {
  const titleId = useId();
  const n = Math.max(buckets.length, 1);
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / n;
  const barW = Math.max(1, (slot * 0.8) / series.length);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const time = (d: Date | undefined) => (d ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : '');
  const day = (d: Date | undefined) => (d ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }) : '');
  const nonEmpty = buckets.map((b, i) => ({ b, i })).filter(({ i }) => series.some((s) => (s.values[i] ?? 0) > 0));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{label}</title>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line className="chart-grid" x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} />
            <text className="chart-axis" x={PAD.left - 6} y={y(max * f) + 4} textAnchor="end">
              {Math.round(max * f)}
            </text>
          </g>
        ))}
        {series.map((s, si) =>
          s.values.map((v, i) =>
            v > 0 ? (
              <rect
                key={`${si}-${i}`}
                className={s.className}
                x={PAD.left + i * slot + slot * 0.1 + si * barW}
                y={y(v)}
                width={barW}
                height={Math.max(1, y(0) - y(v))}
              >
                <title>{`${s.label}: ${v} at ${buckets[i]?.toLocaleString() ?? ''}`}</title>
              </rect>
            ) : null,
          ),
        )}
        <text className="chart-axis" x={PAD.left} y={H - 8}>
          {`${day(buckets[0])} ${time(buckets[0])}`}
        </text>
        <text className="chart-axis" x={W - PAD.right} y={H - 8} textAnchor="end">
          {`${day(buckets[n - 1])} ${time(buckets[n - 1])}`}
        </text>
      </svg>
      <figcaption className="legend">
        {series.map((s) => (
          <span key={s.label} className="legend-item">
            <svg width="12" height="12" aria-hidden="true">
              <rect className={s.className} width="12" height="12" />
            </svg>
            {s.label}
          </span>
        ))}
      </figcaption>
      <details className="chart-data">
        <summary>Show the numbers</summary>
        {nonEmpty.length === 0 ? (
          <p>Nothing was counted in this period.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                {series.map((s) => (
                  <th key={s.label} scope="col">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {nonEmpty.map(({ b, i }) => (
                <tr key={i}>
                  <td>{b.toLocaleString()}</td>
                  {series.map((s) => (
                    <td key={s.label}>{s.values[i] ?? 0}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </figure>
  );
}
