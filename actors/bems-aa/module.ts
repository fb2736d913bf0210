// BEMS-AA, building assignment: to which grid monitoring point is each building connected?
// The SCDA sequence on role `bems-aa` (schemas/grid.fbs): ask GRM for the verified grid and BRM
// for the buildings' profiles over one span; with a verified topology assign the buildings to
// the points' residuals in a worker thread and store the result in storage (PutTopology);
// without one refuse and store nothing. Each step is logged and published on `bems-aa/events`.
// Requests, events, settings, the stored file: ./README.md.

import { Module, replyLater, type Declarations, type ReplyLater, type WorkerHandle } from '../../core/actor/index.js';
import { isAssignmentMethod } from '../../core/grid/assignment/assign.js';
import type { AssignmentMethod } from '../../core/grid/assignment/api.js';
import type { AlignedProfile } from '../../core/grid/profiles/api.js';
import { GridRequestError, toGridErrorReply } from '../../core/grid/serving/grid-error.js';
import { waitForRole } from '../../core/grid/serving/wait-for-role.js';
import {
  AssignmentEvent,
  GetAssignment,
  GetBuildingProfiles,
  GetVerifiedGrid,
  PutTopology,
  RunAssignment,
  TopologyChanged,
  type AlignedProfileInfo,
  type AssignmentReply,
  type BuildingAssignment,
  type GridProfilesReply,
  type VerifiedGridReply,
} from '../../schemas/generated/messages.js';
import type { AssignmentWorkerApi } from './assignment-worker.js';
import { bemsAaDefaults, parseBemsAaSettings, type BemsAaSettings } from './settings.js';
import { storedAssignment } from './stored-result.js';

export const BEMS_AA_ROLE = 'bems-aa';
export const EVENTS_TOPIC = 'bems-aa/events';
const GRM_ROLE = 'grm';
const BRM_ROLE = 'brm';
const STORAGE_ROLE = 'storage';

interface RunSpan {
  readonly fromMs: number;
  readonly toMs: number;
  readonly stepMs: number;
  readonly method: AssignmentMethod;
}

function alignedOf(info: AlignedProfileInfo): AlignedProfile {
  const values = Float64Array.from(info.values ?? []);
  const quality = info.quality !== undefined ? Uint8Array.from(info.quality) : new Uint8Array(values.length);
  return { id: info.id, startMs: info.startMs, stepMs: info.stepMs, values, quality };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export default class BemsAa extends Module {
  static override info = { name: 'bems-aa', version: '1.0.0', description: 'building assignment to grid monitoring points (SCDA), on role bems-aa' };
  static override defaults: Record<string, unknown> = { ...bemsAaDefaults };

  private settings: BemsAaSettings = parseBemsAaSettings(this.config);
  private worker?: WorkerHandle<AssignmentWorkerApi>;
  private last?: AssignmentReply;
  /** The GRM version the last stored assignment was made on; a TopologyChanged to another marks it stale. */
  private lastVersion = -1;
  private stale = false;
  private runs = 0;
  private running = 0;
  private stopPeriodic?: () => void;

  override declare(on: Declarations): void {
    on.publishes(EVENTS_TOPIC);
    on.role(BEMS_AA_ROLE)
      .on(RunAssignment, (request) => {
        let span: RunSpan;
        try {
          span = this.spanOf(request);
        } catch (error) {
          throw toGridErrorReply(error, this.log, RunAssignment.name);
        }
        return this.later(RunAssignment.name, () => this.run(span));
      })
      .on(GetAssignment, () => {
        if (this.last === undefined) throw toGridErrorReply(new GridRequestError('NotFound', 'no assignment yet: send RunAssignment (or set intervalMs / runOnStart)'), this.log, GetAssignment.name);
        if (!this.stale) return this.last;
        return { ...this.last, reason: `stale: the topology changed after this run (GRM version ${this.lastVersion})` };
      });
    on.topic('grm/events', TopologyChanged, (change) => this.topologyChanged(change));
  }

  override configChanged(next: Record<string, unknown>): void {
    try {
      this.settings = parseBemsAaSettings(next);
      this.schedule();
    } catch (error) {
      this.log.error('bems-aa settings change ignored', { error: describe(error) });
    }
  }

  override start(): void {
    this.log.info('building assignment ready', { method: this.settings.method, windowMs: this.settings.windowMs, stepMs: this.settings.stepMs, intervalMs: this.settings.intervalMs });
    this.schedule();
    if (this.settings.runOnStart) this.runInBackground('start');
  }

  /** Periodic runs over the last windowMs, when intervalMs > 0. */
  private schedule(): void {
    this.stopPeriodic?.();
    this.stopPeriodic = undefined;
    if (this.settings.intervalMs > 0) this.stopPeriodic = this.every(this.settings.intervalMs, () => this.runInBackground('interval'));
  }

  private runInBackground(why: string): void {
    if (this.running > 0) return void this.log.debug('run skipped: one is under way', { why });
    let span: RunSpan;
    try {
      span = this.spanOf({ fromMs: 0, toMs: 0, stepMs: 0 });
    } catch (error) {
      return void this.log.error('run not started', { why, error: describe(error) });
    }
    this.run(span).catch((error: unknown) => this.log.error('run failed', { why, error: describe(error) }));
  }

  private topologyChanged(change: TopologyChanged): void {
    if (this.last === undefined || change.version === this.lastVersion) return;
    this.stale = true;
    this.log.info('topology changed: the last assignment is stale', { version: change.version, cause: change.cause ?? '', assignedOn: this.lastVersion });
    if (this.settings.intervalMs > 0) this.runInBackground('topology changed');
  }

  /** The request's span, or the last windowMs aligned to the step when it gives none. */
  private spanOf(request: { fromMs: number; toMs: number; stepMs: number; method?: string }): RunSpan {
    const stepMs = request.stepMs > 0 ? request.stepMs : this.settings.stepMs;
    const method = request.method !== undefined && request.method !== '' ? request.method : this.settings.method;
    if (!isAssignmentMethod(method)) throw new GridRequestError('InvalidArgument', `unknown method ${JSON.stringify(method)} (pearson, spearman, iterative, least-squares)`);
    if (!(Number.isFinite(stepMs) && stepMs > 0)) throw new GridRequestError('InvalidArgument', `the step must be a positive number of ms, not ${request.stepMs}`);
    let { fromMs, toMs } = request;
    if (fromMs === 0 && toMs === 0) {
      toMs = Math.floor(Date.now() / stepMs) * stepMs;
      fromMs = toMs - this.settings.windowMs;
    }
    if (!(Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs < toMs)) throw new GridRequestError('InvalidArgument', `the span ${fromMs}..${toMs} is empty, inverted or not finite`);
    return { fromMs, toMs, stepMs, method };
  }

  private event(runId: string, step: string, message: string, assigned = 0, buildings = 0): void {
    this.log.info(`assignment ${step}`, { runId, message, assigned, buildings });
    this.publish(EVENTS_TOPIC, AssignmentEvent, { runId, step, message, assigned, buildings });
  }

  /** One SCDA run; never throws for what GRM, BRM or storage answer: the reply says it. */
  private async run(span: RunSpan): Promise<AssignmentReply> {
    const started = Date.now();
    const runId = `run-${started}-${++this.runs}`;
    const base = { runId, method: span.method, fromMs: span.fromMs, toMs: span.toMs, stepMs: span.stepMs, assignments: [] as BuildingAssignment[], stored: false, storedAs: '' };
    const finish = (fields: Partial<AssignmentReply> & { validTopology: boolean; reason: string }): AssignmentReply => ({ ...base, ...fields, durationMs: Date.now() - started, finishedMs: Date.now() });
    this.running++;
    try {
      const { grmTimeoutMs, brmTimeoutMs } = this.settings;
      this.event(runId, 'asked-grm', `GetVerifiedGrid ${new Date(span.fromMs).toISOString()}..${new Date(span.toMs).toISOString()} step ${span.stepMs} ms`);
      const grid = this.askGrm(span, grmTimeoutMs);
      this.event(runId, 'asked-brm', 'GetBuildingProfiles, same span and step');
      const buildings = this.askBrm(span, brmTimeoutMs);
      const [gridResult, buildingResult] = await Promise.allSettled([grid, buildings]);
      if (gridResult.status === 'rejected') {
        const reason = `GRM unavailable: ${describe(gridResult.reason)}`;
        this.event(runId, 'refused', reason);
        return finish({ validTopology: false, reason });
      }
      const verified = gridResult.value;
      if (!verified.valid) {
        const reason = `no verified topology: ${verified.reason ?? '(GRM gave no reason)'}`;
        this.event(runId, 'refused', reason);
        return finish({ validTopology: false, reason });
      }
      if (buildingResult.status === 'rejected') {
        const reason = `BRM unavailable: ${describe(buildingResult.reason)}`;
        this.event(runId, 'refused', reason);
        return finish({ validTopology: true, reason });
      }
      const buildingProfiles = buildingResult.value.profiles ?? [];
      const residuals = verified.residuals ?? [];
      const dataPoints = new Map(buildingProfiles.map((profile) => [profile.id, profile.dataPoint]));
      const computed = await this.assignmentWorker().api.assign(buildingProfiles.map(alignedOf), residuals.map(alignedOf), {
        method: span.method,
        ...(this.settings.minScore !== undefined ? { minScore: this.settings.minScore } : {}),
        maxLagSlots: this.settings.maxLagSlots,
        differences: this.settings.differences,
      });
      const assignments: BuildingAssignment[] = computed.assignments.map((a) => {
        const dataPoint = dataPoints.get(a.building);
        return {
          building: a.building,
          ...(dataPoint !== undefined ? { dataPoint } : {}),
          ...(a.monitoringPoint !== undefined ? { monitoringPoint: a.monitoringPoint } : {}),
          score: a.score,
          ...(a.runnerUp !== undefined ? { runnerUp: a.runnerUp } : {}),
          runnerUpScore: a.runnerUpScore,
          assigned: a.assigned,
        };
      });
      const assignedCount = assignments.filter((a) => a.assigned).length;
      this.event(runId, 'assigned', `${assignedCount} of ${assignments.length} buildings to ${residuals.length} monitoring points by ${span.method} in ${computed.computeMs.toFixed(1)} ms (worker)`, assignedCount, assignments.length);
      const result = finish({ validTopology: true, reason: verified.reason ?? '', assignments });
      const file = this.settings.storageFile;
      try {
        const content = new TextEncoder().encode(`${JSON.stringify(storedAssignment(result, verified.version, verified.verdict), null, 1)}\n`);
        await waitForRole(this.context.bus().registry, STORAGE_ROLE, this.settings.storageTimeoutMs);
        await this.requestOrThrow(STORAGE_ROLE, PutTopology, { file, content }, { timeoutMs: this.settings.storageTimeoutMs });
      } catch (error) {
        const reason = `assigned but not stored: ${describe(error)}`;
        this.event(runId, 'not-stored', reason, assignedCount, assignments.length);
        return this.remember({ ...result, reason, durationMs: Date.now() - started, finishedMs: Date.now() }, verified.version);
      }
      this.event(runId, 'stored', `as ${file} in storage`, assignedCount, assignments.length);
      return this.remember({ ...result, stored: true, storedAs: file, durationMs: Date.now() - started, finishedMs: Date.now() }, verified.version);
    } finally {
      this.running--;
    }
  }

  private remember(reply: AssignmentReply, version: number): AssignmentReply {
    this.last = reply;
    this.lastVersion = version;
    this.stale = false;
    return reply;
  }

  private async askGrm(span: RunSpan, timeoutMs: number): Promise<VerifiedGridReply> {
    await waitForRole(this.context.bus().registry, GRM_ROLE, timeoutMs);
    return this.requestOrThrow(GRM_ROLE, GetVerifiedGrid, { fromMs: span.fromMs, toMs: span.toMs, stepMs: span.stepMs, maxInterpolateMs: -1 }, { timeoutMs });
  }

  private async askBrm(span: RunSpan, timeoutMs: number): Promise<GridProfilesReply> {
    await waitForRole(this.context.bus().registry, BRM_ROLE, timeoutMs);
    return this.requestOrThrow(BRM_ROLE, GetBuildingProfiles, { buildings: [], fromMs: span.fromMs, toMs: span.toMs, stepMs: span.stepMs, maxInterpolateMs: -1 }, { timeoutMs });
  }

  private assignmentWorker(): WorkerHandle<AssignmentWorkerApi> {
    this.worker ??= this.startWorker<AssignmentWorkerApi>(new URL('./assignment-worker.js', import.meta.url));
    return this.worker;
  }

  private later<R>(request: string, work: () => Promise<R>): ReplyLater<R> {
    return replyLater(
      work().catch((error: unknown) => {
        throw toGridErrorReply(error, this.log, request);
      }),
    );
  }
}
