/**
 * One simulation run: the feeder, its CIM files, its ground truth
 * (feeder.json) and the profiles of every building and monitoring point,
 * handed one data point at a time to a sink (CSV files, or the storage
 * module over the bus). Building profiles are made one at a time and added
 * into the sums of the monitoring points above them, so memory grows with
 * the number of monitoring points, not of buildings.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeCim } from './cim-writer.js';
import { generateFeeder, resolveOptions, type FeederOptions, type SimulatedFeeder } from './feeder.js';
import { applyFlips, type SwitchFlip } from './flips.js';
import { withGaps, type Series } from './gaps.js';
import { streamFor } from './ids.js';
import { buildingCharacter, buildingProfile, DEFAULT_DAYS, DEFAULT_START_MS, DEFAULT_STEP_MS, gridTimestamps, measuredSum, profileGrid, type ProfileGrid } from './profiles.js';

export interface SimulationOptions extends FeederOptions {
  readonly days: number;
  readonly stepMs: number;
  readonly startMs: number;
  /** Share of samples missing from every profile (0: none). */
  readonly gapRate: number;
  /** Mean length of a gap in samples. */
  readonly gapMeanSamples: number;
  /** Standard deviation of a building's multiplicative consumption noise. */
  readonly buildingNoise: number;
  /** Standard deviation of a monitoring point's measurement error (clipped at 3σ). */
  readonly mpNoise: number;
  /** Switches recorded in the wrong state in the CIM files (flips.ts); profiles follow the actual states. */
  readonly flips?: number;
  /** Switches flipped by name ('Switch 3'), besides `flips`. */
  readonly flipSwitches?: readonly string[];
}

export const DEFAULT_SIMULATION: Omit<SimulationOptions, keyof FeederOptions> = {
  days: DEFAULT_DAYS,
  stepMs: DEFAULT_STEP_MS,
  startMs: DEFAULT_START_MS,
  gapRate: 0,
  gapMeanSamples: 10,
  buildingNoise: 0.15,
  mpNoise: 0.01,
};

/** One data point the run produces. */
export interface SimulatedDataPoint {
  readonly name: string;
  readonly kind: 'building' | 'mp';
  readonly tags: readonly string[];
  readonly unit: 'kW';
  readonly description: string;
}

/** Where profiles go. */
export interface ProfileSink {
  /** Called once with every data point before the first write. */
  begin(dataPoints: readonly SimulatedDataPoint[]): Promise<void>;
  write(dataPoint: SimulatedDataPoint, series: Series): Promise<void>;
  /** Waits for everything written to be stored; returns the files or places written. */
  end(): Promise<readonly string[]>;
}

export type Progress = (phase: string, done: number, total: number) => void;

export interface SimulationSummary {
  readonly seed: number;
  readonly elements: number;
  readonly links: number;
  readonly buildings: number;
  readonly pvBuildings: number;
  readonly monitoringPoints: number;
  readonly switches: { readonly inline: number; readonly ties: number };
  readonly samplesPerProfile: number;
  readonly entries: number;
  readonly files: readonly string[];
}

export function resolveSimulation(input: Partial<SimulationOptions>): SimulationOptions {
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<SimulationOptions>;
  const options: SimulationOptions = { ...DEFAULT_SIMULATION, ...resolveOptions(defined), ...pick(defined) };
  if (!(options.gapRate >= 0 && options.gapRate <= 0.9)) throw new RangeError(`the gap rate must lie in 0..0.9, not ${options.gapRate}`);
  if (!(options.gapMeanSamples >= 1)) throw new RangeError(`the mean gap length must be at least 1 sample, not ${options.gapMeanSamples}`);
  if (!(options.mpNoise >= 0 && options.mpNoise < 0.3)) throw new RangeError(`the monitoring point noise must lie in 0..0.3, not ${options.mpNoise}`);
  if (options.flips !== undefined && !(Number.isInteger(options.flips) && options.flips >= 0)) throw new RangeError(`flips must be a whole number >= 0, not ${options.flips}`);
  if (!(options.buildingNoise >= 0 && options.buildingNoise <= 1)) throw new RangeError(`the building noise must lie in 0..1, not ${options.buildingNoise}`);
  profileGrid(options.days, options.stepMs, options.startMs);
  return options;
}

function pick(input: Partial<SimulationOptions>): Partial<SimulationOptions> {
  const { days, stepMs, startMs, gapRate, gapMeanSamples, buildingNoise, mpNoise, flips, flipSwitches } = input;
  return Object.fromEntries(Object.entries({ days, stepMs, startMs, gapRate, gapMeanSamples, buildingNoise, mpNoise, flips, flipSwitches }).filter(([, value]) => value !== undefined));
}

/** The data points of a feeder, buildings first, in the order their profiles are written. */
export function dataPointsOf(feeder: SimulatedFeeder): SimulatedDataPoint[] {
  const feederTag = `feeder:${feeder.options.seed}`;
  return [
    ...feeder.buildings.map((building): SimulatedDataPoint => ({
      name: building.dataPoint,
      kind: 'building',
      tags: ['building', feederTag],
      unit: 'kW',
      description: `${building.name}: net active power (consumption positive)`,
    })),
    ...feeder.monitoringPoints.map((point): SimulatedDataPoint => ({
      name: point.dataPoint,
      kind: 'mp',
      tags: ['mp', feederTag],
      unit: 'kW',
      description: `${point.name}: three-phase active power towards the buildings`,
    })),
  ];
}

/**
 * Every profile of a feeder, in data point order, without gaps applied:
 * `emit` gets the full grid (gaps are cut by the caller) — for tests and the run below.
 */
export async function forEachProfile(
  feeder: SimulatedFeeder,
  options: SimulationOptions,
  grid: ProfileGrid,
  emit: (dataPoint: SimulatedDataPoint, values: Float64Array) => Promise<void>,
): Promise<void> {
  const dataPoints = dataPointsOf(feeder);
  const sums = feeder.monitoringPoints.map(() => new Float64Array(grid.samples));
  const mpIndicesOf = new Map<string, number[]>();
  feeder.monitoringPoints.forEach((point, index) => {
    for (const building of point.buildings) {
      const list = mpIndicesOf.get(building);
      if (list) list.push(index);
      else mpIndicesOf.set(building, [index]);
    }
  });
  for (const [index, building] of feeder.buildings.entries()) {
    const number = index + 1;
    const values = buildingProfile(options.seed, number, buildingCharacter(options.seed, number, building.pvPeakKw, options.buildingNoise), grid);
    // Unfed behind a switch that is actually open (flips.ts): its meter reads nothing.
    if (building.fed === false) values.fill(0);
    quantize(values);
    for (const mp of mpIndicesOf.get(building.id) ?? []) {
      const sum = sums[mp]!;
      for (let i = 0; i < values.length; i++) sum[i] = sum[i]! + values[i]!;
    }
    await emit(dataPoints[index]!, values);
  }
  for (const [index, sum] of sums.entries()) {
    const values = measuredSum(sum, options.mpNoise, streamFor(options.seed, 'meter', index + 1));
    quantize(values);
    await emit(dataPoints[feeder.buildings.length + index]!, values);
  }
}

/** Rounds to 0.1 W: meters report decimals, and Storacle's decimal codec stores them compactly. */
function quantize(values: Float64Array): void {
  for (let i = 0; i < values.length; i++) values[i] = Math.round(values[i]! * 1e4) / 1e4;
}

export const EQ_FILE = 'feeder_EQ.xml';
export const SSH_FILE = 'feeder_SSH.xml';
export const TRUTH_FILE = 'feeder.json';

export async function runSimulation(input: Partial<SimulationOptions>, outDir: string, sink: ProfileSink, progress: Progress = () => {}): Promise<SimulationSummary> {
  const options = resolveSimulation(input);
  const flipped = applyFlips(generateFeeder(options), { count: options.flips ?? 0, switchNames: options.flipSwitches ?? [] });
  const feeder = flipped.actual;
  const grid = profileGrid(options.days, options.stepMs, options.startMs);
  await mkdir(outDir, { recursive: true });

  progress('cim', 0, 2);
  const eqPath = join(outDir, EQ_FILE);
  const sshPath = join(outDir, SSH_FILE);
  await writeCim(flipped.recorded, {
    eqPath,
    sshPath,
    seed: options.seed,
    scenarioTimeMs: options.startMs,
    measurementTerminals: new Map(feeder.monitoringPoints.map((point) => [point.id, point.terminal])),
    description: `Gridlink synthetic LV feeder, seed ${options.seed}`,
  });
  progress('cim', 2, 2);

  const dataPoints = dataPointsOf(feeder);
  const truthPath = join(outDir, TRUTH_FILE);
  await writeFile(truthPath, `${JSON.stringify(groundTruth(feeder, options, grid, flipped.flips), null, 2)}\n`);

  await sink.begin(dataPoints);
  const timestamps = gridTimestamps(grid);
  let written = 0;
  let entries = 0;
  await forEachProfile(feeder, options, grid, async (dataPoint, values) => {
    const series = withGaps(timestamps, values, { rate: options.gapRate, meanLength: options.gapMeanSamples }, streamFor(options.seed, `gaps:${dataPoint.name}`));
    entries += series.values.length;
    await sink.write(dataPoint, series);
    progress('profiles', ++written, dataPoints.length);
  });
  const places = await sink.end();
  return {
    seed: options.seed,
    elements: feeder.network.elements.length,
    links: feeder.network.links.length,
    buildings: feeder.buildings.length,
    pvBuildings: feeder.buildings.filter((building) => building.pv !== undefined).length,
    monitoringPoints: feeder.monitoringPoints.length,
    switches: feeder.switchCounts,
    samplesPerProfile: grid.samples,
    entries,
    files: [eqPath, sshPath, truthPath, ...places],
  };
}

/** What feeder.json holds: the options, the time grid, and the truth a grid application should find. */
export function groundTruth(feeder: SimulatedFeeder, options: SimulationOptions, grid: ProfileGrid, flips: readonly SwitchFlip[] = []): unknown {
  return {
    generator: 'gridlink simulate',
    options,
    grid: { startMs: grid.startMs, stepMs: grid.stepMs, samples: grid.samples, start: new Date(grid.startMs).toISOString() },
    files: { eq: EQ_FILE, ssh: SSH_FILE },
    counts: { elements: feeder.network.elements.length, links: feeder.network.links.length, switches: feeder.switchCounts },
    transformer: feeder.transformer,
    lowVoltageNode: feeder.lowVoltageNode,
    mediumVoltageNode: feeder.mediumVoltageNode,
    buildings: feeder.buildings,
    monitoringPoints: feeder.monitoringPoints,
    dataPoints: dataPointsOf(feeder),
    // Only with flips, so feeders without them keep their bytes.
    ...(flips.length > 0 ? { flips } : {}),
  };
}
