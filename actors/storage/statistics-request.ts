// GetStatistics: the store's statistics of a data point (on-line ones without a span, computed
// over the span with one) and the histogram the request asks for: `histogram_bins` equal-width
// bins from histogram_min (default: the smallest value) to histogram_max (default: the largest),
// values outside counted in below/above. The bins are counted exactly from the stored values up
// to `histogramExactLimit` entries; beyond that, the store's own (finer, sparse) on-line
// histogram is re-binned, each of its bins going whole to the requested bin holding its middle.

import { snapshotToReply, type HistogramSnapshot } from '../../core/storacle/statistics/index.js';
import { StoreError } from '../../core/storacle/store/api.js';
import type { GetStatistics, Histogram, StatisticsReply } from '../../schemas/generated/messages.js';
import { requireDataPoint } from './data-point-requests.js';
import { checkSpan } from './request-checks.js';
import type { StorageContext } from './storage-context.js';

export const MAX_HISTOGRAM_BINS = 10_000;

/** Equal-width bins over [low, high]; the last bin includes `high`. */
export class EqualWidthBins {
  readonly counts: number[];
  below = 0;
  above = 0;
  private readonly width: number;

  constructor(readonly low: number, readonly high: number, readonly bins: number) {
    this.counts = new Array<number>(bins).fill(0);
    this.width = (high - low) / bins;
  }

  add(value: number, count = 1): void {
    if (!Number.isFinite(value)) return;
    if (value < this.low) this.below += count;
    else if (value > this.high) this.above += count;
    else {
      // Zero width (every value equal): everything lands in the last bin, which holds `high`.
      const index = this.width > 0 ? Math.min(this.bins - 1, Math.floor((value - this.low) / this.width)) : this.bins - 1;
      this.counts[index]! += count;
    }
  }

  edges(): number[] {
    const edges: number[] = [];
    for (let i = 0; i < this.bins; i++) edges.push(this.low + i * this.width);
    edges.push(this.high);
    return edges;
  }

  toMessage(): Histogram {
    return { binEdges: this.edges(), counts: this.counts.map((c) => BigInt(c)), below: BigInt(this.below), above: BigInt(this.above) };
  }
}

export class StatisticsRequest {
  constructor(private readonly context: StorageContext) {}

  answer(request: GetStatistics): StatisticsReply {
    const name = request.dataPoint;
    requireDataPoint(this.context, name);
    const span = checkSpan(request.fromMs, request.toMs, name);
    const bins = request.histogramBins;
    if (!Number.isInteger(bins) || bins < 1 || bins > MAX_HISTOGRAM_BINS) {
      throw new StoreError('InvalidArgument', `histogram_bins is ${bins}; it must be 1 to ${MAX_HISTOGRAM_BINS}`, name);
    }
    for (const [field, edge] of [['histogram_min', request.histogramMin], ['histogram_max', request.histogramMax]] as const) {
      if (edge !== undefined && !Number.isFinite(edge)) throw new StoreError('InvalidArgument', `${field} is ${edge}; a histogram edge must be a finite number`, name);
    }
    if (request.histogramMin !== undefined && request.histogramMax !== undefined && request.histogramMin > request.histogramMax) {
      throw new StoreError('InvalidArgument', `histogram_min ${request.histogramMin} is above histogram_max ${request.histogramMax}`, name);
    }

    const store = this.context.store();
    const snapshot = span.bounded ? store.statistics(name, span.fromMs, span.toMs) : store.statistics(name);
    const reply = snapshotToReply(name, snapshot);
    delete reply.histogram;
    if (snapshot.count === 0 || snapshot.min === undefined || snapshot.max === undefined) return reply;

    let low = request.histogramMin ?? snapshot.min;
    let high = request.histogramMax ?? snapshot.max;
    // One bound given and beyond every value: the bins collapse onto it; the values count as below/above.
    if (low > high) {
      if (request.histogramMin !== undefined) high = low;
      else low = high;
    }
    const histogram = new EqualWidthBins(low, high, bins);
    const limit = this.context.settings().histogramExactLimit;
    const values = limit > 0 ? store.range(name, span.fromMs, span.toMs, limit) : undefined;
    if (values && !values.truncated) {
      for (const value of values.values) histogram.add(value);
    } else if (snapshot.histogram) {
      rebin(snapshot.histogram, histogram);
    }
    reply.histogram = histogram.toMessage();
    return reply;
  }
}

/** Moves each bin of the store's histogram whole into the requested bin that holds its middle. */
function rebin(source: HistogramSnapshot, target: EqualWidthBins): void {
  for (let i = 0; i < source.counts.length; i++) {
    const count = source.counts[i]!;
    if (count > 0) target.add((source.binEdges[i]! + source.binEdges[i + 1]!) / 2, count);
  }
}
