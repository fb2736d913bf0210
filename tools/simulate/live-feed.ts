/**
 * A simulated feeder that keeps measuring after its stored history: the
 * samples that follow the history, one time step at a time, published as
 * MeasurementEvent (the storage module ingests the `measurements` topic).
 *
 * The continuation is made by the simulator's own code over a longer span
 * (same seed, same flips): every profile comes from its own seeded stream
 * that runs from the feeder's start, so a longer span repeats the stored part
 * sample for sample and the buildings go on as they were. It is generated a
 * day at a time, keeping only what follows the part already handed out.
 */
import type { Bus } from '../../core/bus/bus.js';
import { MeasurementEvent } from '../../schemas/generated/messages.js';
import { generateFeeder, type SimulatedFeeder } from './feeder.js';
import { applyFlips } from './flips.js';
import { withGaps } from './gaps.js';
import { streamFor } from './ids.js';
import { gridTimestamps, profileGrid } from './profiles.js';
import { dataPointsOf, forEachProfile, resolveSimulation, type SimulationOptions } from './simulation.js';

const DAY_MS = 86_400_000;

/** One data point's samples of the chunk generated last (gaps cut as the stored history has them). */
interface ChunkSeries {
  readonly dataPoint: string;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  cursor: number;
}

export interface FeedSample {
  readonly dataPoint: string;
  readonly timestampMs: number;
  readonly value: number;
}

export class FeederContinuation {
  readonly options: SimulationOptions;
  readonly dataPoints: readonly string[];
  private readonly feeder: SimulatedFeeder;
  /** Days of profile the next chunk's simulation run spans, from the feeder's start. */
  private days: number;
  /** The time of the last sample of the stored history. */
  readonly historyEndMs: number;
  /** Every sample up to this time was handed out or lies in the stored history. */
  private doneUntilMs: number;
  private chunk: ChunkSeries[] = [];
  private chunkEndMs: number;

  /**
   * @param input the options of the simulation run that wrote the history (feeder.json `options`)
   */
  constructor(input: Partial<SimulationOptions>) {
    this.options = resolveSimulation(input);
    this.feeder = applyFlips(generateFeeder(this.options), { count: this.options.flips ?? 0, switchNames: this.options.flipSwitches ?? [] }).actual;
    this.dataPoints = dataPointsOf(this.feeder).map((point) => point.name);
    const history = profileGrid(this.options.days, this.options.stepMs, this.options.startMs);
    this.historyEndMs = history.startMs + (history.samples - 1) * history.stepMs;
    this.doneUntilMs = this.historyEndMs;
    this.chunkEndMs = this.doneUntilMs;
    this.days = this.options.days;
  }


  /** The next time step's samples, oldest step first (a data point in a gap is left out). */
  async next(): Promise<{ timestampMs: number; samples: FeedSample[] }> {
    const timestampMs = this.doneUntilMs + this.options.stepMs;
    if (timestampMs > this.chunkEndMs) await this.extend();
    const samples: FeedSample[] = [];
    for (const series of this.chunk) {
      while (series.cursor < series.timestamps.length && series.timestamps[series.cursor]! < timestampMs) series.cursor++;
      if (series.timestamps[series.cursor] === timestampMs) samples.push({ dataPoint: series.dataPoint, timestampMs, value: series.values[series.cursor]! });
    }
    this.doneUntilMs = timestampMs;
    return { timestampMs, samples };
  }

  /** Runs the simulation one day longer and keeps the part after what was handed out. */
  private async extend(): Promise<void> {
    this.days += 1;
    const grid = profileGrid(this.days, this.options.stepMs, this.options.startMs);
    const timestamps = gridTimestamps(grid);
    const chunk: ChunkSeries[] = [];
    await forEachProfile(this.feeder, this.options, grid, async (dataPoint, values) => {
      const series = withGaps(timestamps, values, { rate: this.options.gapRate, meanLength: this.options.gapMeanSamples }, streamFor(this.options.seed, `gaps:${dataPoint.name}`));
      let from = 0;
      while (from < series.timestamps.length && series.timestamps[from]! <= this.doneUntilMs) from++;
      chunk.push({ dataPoint: dataPoint.name, timestamps: series.timestamps.slice(from), values: series.values.slice(from), cursor: 0 });
    });
    this.chunk = chunk;
    this.chunkEndMs = grid.startMs + (grid.samples - 1) * grid.stepMs;
    if (this.chunkEndMs < this.doneUntilMs + this.options.stepMs) throw new Error(`the simulation over ${this.days} days ends before ${new Date(this.doneUntilMs + this.options.stepMs).toISOString()}`);
  }
}

export interface LiveFeedOptions {
  /** Real milliseconds per simulated time step. */
  readonly intervalMs: number;
  readonly topic: string;
  /** Told when a step could not be made or published; the feed stops then. */
  readonly onError: (error: Error) => void;
}

export interface LiveFeed {
  stop(): void;
}

/** Publishes one simulated time step per interval on the topic until stopped. */
export function startLiveFeed(bus: Bus, continuation: FeederContinuation, options: LiveFeedOptions): LiveFeed {
  let stopped = false;
  let busy = false;
  const tick = (): void => {
    // A step that takes longer than the interval (a day's chunk being generated) is not overtaken.
    if (busy || stopped) return;
    busy = true;
    continuation
      .next()
      .then(({ samples }) => {
        if (stopped) return;
        for (const sample of samples) bus.publish(options.topic, MeasurementEvent, sample);
      })
      .catch((error: unknown) => {
        stopped = true;
        clearInterval(timer);
        options.onError(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => (busy = false));
  };
  const timer = setInterval(tick, options.intervalMs);
  tick();
  return {
    stop(): void {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** How long a step of `stepMs` is, for people ('minute', '15 minutes', '30 seconds'). */
export function stepText(stepMs: number): string {
  if (stepMs % DAY_MS === 0) return stepMs === DAY_MS ? 'day' : `${stepMs / DAY_MS} days`;
  if (stepMs % 3_600_000 === 0) return stepMs === 3_600_000 ? 'hour' : `${stepMs / 3_600_000} hours`;
  if (stepMs % 60_000 === 0) return stepMs === 60_000 ? 'minute' : `${stepMs / 60_000} minutes`;
  return stepMs === 1000 ? 'second' : `${stepMs / 1000} seconds`;
}
