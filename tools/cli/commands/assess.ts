/**
 * `gridlink assess <cim files/folders> --profiles <folder>`: switch state
 * detection and building assignment offline (tools/assess), on the same
 * code the SSD and BEMS-AA modules run, without a bus. Works on the output
 * of `gridlink simulate --out` directly; with --truth (its feeder.json) it
 * also says how right the answer is.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from '../commander.js';
import { ASSIGNMENT_METHODS, isAssignmentMethod } from '../../../core/grid/assignment/assign.js';
import type { AssignmentMethod } from '../../../core/grid/assignment/api.js';
import { CimSyntaxError } from '../../../core/grid/cim/api.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { printJson, textTable } from '../output.js';
import { assess, AssessInputError, type Assessment } from '../../assess/assessment.js';
import { accuracyOf, readFeederTruth, TruthFileError, type Accuracy, type FeederTruth } from '../../assess/ground-truth.js';
import { globMatcher, listProfileFiles, ProfileFileError } from '../../assess/profile-folder.js';

/** Exit code when SSD finds the recorded topology inconsistent: nothing was assigned. */
export const EXIT_INCONSISTENT = 3;

interface AssessCliOptions {
  profiles: string;
  buildings?: string;
  mpMap?: string;
  from?: number;
  to?: number;
  stepS: number;
  maxInterpolateS: number;
  method: AssignmentMethod[];
  minScore?: number;
  maxFlips: 1 | 2;
  truth?: string;
  force: boolean;
  json: boolean;
}

function instant(value: string): number {
  const number = /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(number)) throw new InvalidArgumentError(`expected milliseconds since the epoch or an ISO date, not "${value}".`);
  return number;
}

function positive(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`expected a positive number, not "${value}".`);
  return number;
}

function notNegative(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) throw new InvalidArgumentError(`expected a number >= 0, not "${value}".`);
  return number;
}

function methods(value: string): AssignmentMethod[] {
  const list = value === 'all' ? [...ASSIGNMENT_METHODS] : value.split(',').map((one) => one.trim());
  for (const one of list) if (!isAssignmentMethod(one)) throw new InvalidArgumentError(`unknown method "${one}" (one or more of ${ASSIGNMENT_METHODS.join(', ')}, or all).`);
  return list as AssignmentMethod[];
}

function readMpMap(path: string): Map<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`--mp-map ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, code === 'ENOENT' ? EXIT_FAILURE : EXIT_USAGE);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new CliError(`--mp-map ${path}: expected a JSON object {"<monitoring point id or name>": "<data point>"}`, EXIT_USAGE);
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string' || value === '') throw new CliError(`--mp-map ${path}: the value of "${key}" must be a data point name`, EXIT_USAGE);
    map.set(key, value);
  }
  return map;
}

/** The --json document; its shape is stable for scripts. */
interface AssessReport {
  files: readonly string[];
  fromMs: number;
  toMs: number;
  stepMs: number;
  slots: number;
  monitoringPoints: Assessment['points'];
  skippedMonitoringPoints: readonly string[];
  buildings: number;
  verdict: Assessment['verdict'];
  assigned: boolean;
  results: { method: string; tookMs: number; accuracy?: Accuracy; assignments: Assessment['results'][number]['assignments'] }[];
  truth?: { flips: FeederTruth['flips']; flipsCaught: number };
  timings: Assessment['timings'];
}

function reportOf(assessment: Assessment, truth: FeederTruth | undefined): AssessReport {
  const names = new Map(assessment.points.map((point) => [point.id, point.name !== '' ? point.name : point.id]));
  const nameOf = (id: string): string => names.get(id) ?? id;
  const report: AssessReport = {
    files: assessment.files,
    fromMs: assessment.fromMs,
    toMs: assessment.toMs,
    stepMs: assessment.stepMs,
    slots: assessment.slots,
    monitoringPoints: assessment.points,
    skippedMonitoringPoints: assessment.skippedPoints,
    buildings: assessment.buildings,
    verdict: assessment.verdict,
    assigned: assessment.results.length > 0,
    results: assessment.results.map((result) => ({
      method: result.method,
      tookMs: result.tookMs,
      ...(truth === undefined ? {} : { accuracy: accuracyOf(result.assignments.map((one) => ({ dataPoint: one.dataPoint, monitoringPoint: one.assigned ? one.monitoringPoint : undefined })), truth, nameOf) }),
      assignments: result.assignments,
    })),
    timings: assessment.timings,
  };
  if (truth !== undefined) {
    const flagged = new Set(assessment.verdict.switches.filter((one) => !one.consistent).map((one) => one.switchId));
    report.truth = { flips: truth.flips, flipsCaught: truth.flips.filter((flip) => flagged.has(flip.switchId)).length };
  }
  return report;
}

function printText(report: AssessReport): void {
  const out: string[] = [];
  const state = (open: boolean): string => (open ? 'open' : 'closed');
  out.push(`${report.files.join(', ')}: ${report.monitoringPoints.length} monitoring points, ${report.buildings} buildings, ${report.slots} slots of ${report.stepMs / 1000} s from ${new Date(report.fromMs).toISOString()}`);
  for (const skipped of report.skippedMonitoringPoints) out.push(`  left out: ${skipped}`);
  const verdict = report.verdict;
  out.push('', `SSD: the recorded switch states are ${verdict.consistent ? 'CONSISTENT' : 'INCONSISTENT'} with the profiles (misfit recorded ${verdict.scoreRecorded.toFixed(2)}, best ${verdict.scoreBest.toFixed(2)}): ${verdict.explanation}`);
  out.push(
    textTable(
      ['switch', 'recorded', 'supported', 'consistent', 'confidence', 'observable'],
      verdict.switches.map((one) => [one.name !== '' ? one.name : one.switchId, state(one.recordedOpen), state(one.supportedOpen), one.consistent ? 'yes' : 'NO', one.confidence.toFixed(2), one.observable ? 'yes' : 'no']),
    ),
  );
  if (report.truth !== undefined && report.truth.flips.length > 0) {
    out.push(`truth: ${report.truth.flips.length} switch(es) recorded in the wrong state (${report.truth.flips.map((flip) => flip.name).join(', ')}); SSD caught ${report.truth.flipsCaught}`);
  }
  if (!report.assigned) out.push('', 'no assignment: only a verified topology is used (--force assigns anyway)');
  for (const result of report.results) {
    out.push('', `assignment (${result.method}, ${result.tookMs} ms)${result.accuracy === undefined ? '' : `: ${result.accuracy.correct} of ${result.accuracy.judged} buildings correct (${(100 * result.accuracy.share).toFixed(1)} %)`}`);
    const names = new Map(report.monitoringPoints.map((point) => [point.id, point.name !== '' ? point.name : point.id]));
    const name = (id: string | undefined): string => (id === undefined ? '-' : (names.get(id) ?? id));
    out.push(
      textTable(
        ['building', 'monitoring point', 'score', 'runner-up', 'score'],
        result.assignments.map((one) => [one.building, one.assigned ? name(one.monitoringPoint) : `(${name(one.monitoringPoint)}, below minimum)`, one.score.toFixed(3), name(one.runnerUp), Number.isFinite(one.runnerUpScore) ? one.runnerUpScore.toFixed(3) : '-']),
      ),
    );
    if (result.accuracy !== undefined) for (const wrong of result.accuracy.wrong) out.push(`  wrong: ${wrong}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

async function run(paths: string[], options: AssessCliOptions): Promise<void> {
  let truth: FeederTruth | undefined;
  try {
    truth = options.truth === undefined ? undefined : readFeederTruth(options.truth);
  } catch (error) {
    throw new CliError(`--truth ${(error as TruthFileError).message}`, EXIT_USAGE);
  }
  let profileFiles: Map<string, string>;
  try {
    profileFiles = listProfileFiles(options.profiles);
  } catch (error) {
    throw new CliError(`--profiles ${(error as Error).message}`, EXIT_FAILURE);
  }
  let isBuilding: ((dataPoint: string) => boolean) | undefined;
  if (options.buildings !== undefined) {
    const matchers = options.buildings.split(',').map((one) => one.trim()).filter((one) => one !== '').map(globMatcher);
    isBuilding = (dataPoint) => matchers.some((matches) => matches(dataPoint));
  }
  const stepMs = options.stepS * 1000;
  let assessment: Assessment;
  try {
    assessment = await assess({
      cimPaths: paths,
      profileFiles,
      ...(isBuilding !== undefined ? { isBuilding } : {}),
      ...(options.mpMap !== undefined ? { mpMap: readMpMap(options.mpMap) } : {}),
      ...(options.from !== undefined ? { fromMs: options.from } : {}),
      ...(options.to !== undefined ? { toMs: options.to } : {}),
      stepMs,
      maxInterpolateMs: options.maxInterpolateS * 1000,
      methods: options.method,
      ...(options.minScore !== undefined ? { minScore: options.minScore } : {}),
      ssd: { maxFlips: options.maxFlips },
      force: options.force,
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof CimSyntaxError) throw new CliError(`malformed CIM XML: ${error.message}`, EXIT_USAGE);
    if (error instanceof ProfileFileError || error instanceof AssessInputError) throw new CliError(error.message, EXIT_USAGE);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${(error as Error).message.replace(/^ENOENT: /, '')}`, EXIT_FAILURE);
    throw new CliError(`assess failed: ${error instanceof Error ? error.message : String(error)}`, EXIT_FAILURE);
  }
  const report = reportOf(assessment, truth);
  if (options.json) printJson(report);
  else printText(report);
  if (!report.verdict.consistent) process.exitCode = EXIT_INCONSISTENT;
}

export function registerAssessCommand(program: Command): void {
  program
    .command('assess')
    .summary('verify switch states (SSD) and assign buildings to monitoring points (BEMS-AA) offline, on CIM and CSV files')
    .description(
      'Run the grid applications of the SCDA sequence without a bus: import the CIM files, build the topology, find the monitoring points ' +
        '(their data point is the measurement\'s name, as gridlink simulate writes it, or --mp-map), align every profile to one grid, ' +
        'let switch state detection check the recorded switch states against the measured profiles, and — only when they are consistent — ' +
        'assign each building\'s profile to the residual of a monitoring point with each --method. Profiles are <data point>.csv files with ' +
        'lines "timestamp_ms,value" (kW); buildings are every file that is no monitoring point\'s unless --buildings says which.',
    )
    .argument('<cim...>', 'CIM RDF/XML files or folders (every *.xml in them)')
    .requiredOption('--profiles <folder>', 'folder of <data point>.csv profile files')
    .option('--buildings <patterns>', 'which data points are buildings: comma-separated names or globs (*, ?)')
    .option('--mp-map <file>', 'JSON {"<monitoring point id or name>": "<data point>"} for points whose measurement name is not their data point')
    .option('--from <time>', 'start of the span (ms since the epoch or ISO date; default: the first sample)', instant)
    .option('--to <time>', 'end of the span, exclusive (default: after the last sample)', instant)
    .option('--step-s <s>', 'grid step in seconds', positive, 60)
    .option('--max-interpolate-s <s>', 'gaps up to this long are interpolated', notNegative, 300)
    .option('--method <list>', `assignment methods, comma-separated, or all (${ASSIGNMENT_METHODS.join(', ')})`, methods, ['iterative'] as AssignmentMethod[])
    .option('--min-score <score>', 'below this score a building is reported but not assigned', Number)
    .option('--max-flips <n>', 'SSD tries hypotheses of up to this many flipped switches (1 or 2)', (value: string) => {
      if (value !== '1' && value !== '2') throw new InvalidArgumentError('expected 1 or 2.');
      return Number(value) as 1 | 2;
    }, 2 as 1 | 2)
    .option('--truth <feeder.json>', "the simulator's ground truth: also print the accuracy and the flipped switches caught")
    .option('--force', 'assign even when SSD finds the topology inconsistent', false)
    .option('--json', 'print the report as JSON', false)
    .addHelpText(
      'after',
      `
Examples:
  $ npx gridlink simulate --out sim/ --buildings 60 --days 2
  $ npx gridlink assess sim/ --profiles sim/profiles --truth sim/feeder.json
  $ npx gridlink assess sim/ --profiles sim/profiles --method all --step-s 900 --json
  $ npx gridlink simulate --out flipped/ --buildings 60 --days 1 --flip 1
  $ npx gridlink assess flipped/ --profiles flipped/profiles --truth flipped/feeder.json
  $ npx gridlink assess grid/EQ.xml grid/SSH.xml --profiles csv/ --buildings 'house*' --mp-map mps.json --from 2026-01-05 --to 2026-01-06

Exit codes: 0 verified and assigned; ${EXIT_INCONSISTENT} the recorded switch states are inconsistent
with the profiles (the verdict is printed, nothing assigned unless --force); 1 a file
or folder that cannot be read; 2 bad options, malformed XML, a bad CSV line (file:line).`,
    )
    .action((paths: string[], options: AssessCliOptions) => run(paths, options));
}
