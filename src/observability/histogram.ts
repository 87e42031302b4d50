import type { Metric, Registry } from 'prom-client';

/** One sample as prom-client's registries read it (`getMetricsAsJSON`). */
export interface Sample {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One labelled series of a histogram: observations per bucket (not cumulative; the last is +Inf), their sum and count. */
export class HistogramSeries {
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.#counts = new Float64Array(bounds.length + 1);
  }

  /** Records one value: a few comparisons and three additions, no allocation. */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    // `i` stops at bounds.length at most, and #counts has bounds.length + 1 entries.
    while (i < bounds.length && value > bounds[i]!) i++;
    this.#counts[i]! += 1;
    this.#sum += value;
    this.#count += 1;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }

  /** The series in prom-client's JSON form: `_bucket` (cumulative, with `le`), `_sum`, `_count`. */
  values(name: string): Sample[] {
    const out: Sample[] = [];
    let cumulative = 0;
    for (let i = 0; i <= this.bounds.length; i++) {
      // #counts has bounds.length + 1 entries: one per bound and +Inf.
      cumulative += this.#counts[i]!;
      const le = i < this.bounds.length ? String(this.bounds[i]) : '+Inf';
      out.push({ metricName: `${name}_bucket`, labels: { ...this.labels, le }, value: cumulative });
    }
    out.push({ metricName: `${name}_sum`, labels: this.labels, value: this.#sum });
    out.push({ metricName: `${name}_count`, labels: this.labels, value: this.#count });
    return out;
  }
}

/**
 * A Prometheus histogram whose series the caller holds on to and feeds directly. prom-client's
 * own `Histogram.observe` builds a label key string and validates the labels on every call
 * (about 1.4 µs measured); this one is a few nanoseconds, which matters on the token endpoint.
 * It renders exactly like prom-client's histogram, so `AggregatorRegistry.aggregate` sums it
 * across processes.
 */
export class SeriesHistogram {
  readonly #series: HistogramSeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {}

  /** A new series with these labels; the caller keeps it (one per label combination). */
  series(labels: Readonly<Record<string, string>>): HistogramSeries {
    const series = new HistogramSeries(labels, this.bounds);
    this.#series.push(series);
    return series;
  }

  /** What a registry renders (the shape of prom-client's `Histogram#get`). */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values: this.#series.flatMap((s) => s.values(this.name)) };
  }

  /** `Registry#resetMetrics`: every series back to zero (the series stay, their holders keep them). */
  reset(): void {
    for (const series of this.#series) series.reset();
  }

  /** Registers it in `registry`, as prom-client's aggregated registries do with such objects. */
  registerIn(registry: Registry): void {
    registry.registerMetric(this as unknown as Metric);
  }
}
