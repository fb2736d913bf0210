// The Grid Representation Module: the feeder's topology from CIM (files on this host or files
// stored in storage), its extended adjacency matrix, switch operations, and the aligned and
// residual profiles of its monitoring points, served on role `grm` (schemas/grid.fbs). What it
// serves and its settings: ./README.md.

import { Module, replyLater, type Declarations, type MessageMeta, type ReplyLater } from '../../core/actor/index.js';
import { StateStore } from '../../core/actor/state-store.js';
import { RecipientFailureError } from '../../core/bus/errors.js';
import { GridRequestError, toGridErrorReply } from '../../core/grid/serving/grid-error.js';
import { checkProfileRequest } from '../../core/grid/serving/profile-request.js';
import { runProfileJob } from '../../core/grid/serving/profile-job.js';
import type { StoredSeries } from '../../core/grid/serving/stored-profiles.js';
import { waitForRole } from '../../core/grid/serving/wait-for-role.js';
import type { RequestType } from '../../core/schema/message-type.js';
import {
  ErrorReply,
  GetAdjacency,
  GetEntriesOfTimeSpan,
  GetGridProfiles,
  GetGridTopology,
  GetTopology,
  GetVerifiedGrid,
  GridVerified,
  QueryTopology,
  ReloadTopology,
  SetSwitchState,
  SwitchChanged,
  TopologyChanged,
  VerifyTopology,
  type GridData,
  type GridProfilesReply,
  type GridTopologyReply,
  type SwitchStateReply,
  type VerifiedGridReply,
} from '../../schemas/generated/messages.js';
import { gridDataOf } from './grid-data.js';
import { GrmState } from './grm-state.js';
import { LoadedGrid } from './loaded-grid.js';
import { grmDefaults, parseGrmSettings, type GrmSettings } from './settings.js';
import { adjacency, gridTopologyReply, queryTopology } from './topology-replies.js';
import { describeSource, loadTopology, type TopologySource } from './topology-source.js';
import { verifyGrid } from './verified-grid.js';

export const GRM_ROLE = 'grm';
export const GRM_EVENTS_TOPIC = 'grm/events';
const STORAGE_ROLE = 'storage';
const SSD_ROLE = 'ssd';

function configuredSource(settings: GrmSettings): TopologySource | undefined {
  if (settings.cimFiles.length > 0) return { kind: 'files', paths: settings.cimFiles };
  if (settings.storageFiles.length > 0) return { kind: 'storage', files: settings.storageFiles };
  return undefined;
}

/** ReloadTopology's storage_file: one stored file name, or several separated by commas (EQ,SSH ...). */
function storageFilesOf(field: string): string[] {
  return field
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

export default class Grm extends Module {
  static override info = { name: 'grm', version: '1.0.0', description: 'grid topology, extended adjacency matrix and monitoring point profiles on role grm' };
  static override defaults: Record<string, unknown> = { ...grmDefaults };

  // Checked when the module is constructed: a bad setting stops the start with a clear message.
  private settings: GrmSettings = parseGrmSettings(this.config);
  private readonly state = new GrmState(new StateStore(this.stateDir, 'grm', this.log), this.log);
  private grid: LoadedGrid | undefined;
  /** Why there is no topology, for NoTopology replies. */
  private noTopologyReason = 'the topology is being loaded';
  /** Set when the last load failed because storage did not answer or lacked the files: the retry timer tries again. */
  private retryLoad = false;
  private failedLoads = 0;

  override declare(on: Declarations): void {
    const role = on.role(GRM_ROLE);
    // Every handler answers a failure with a GridErrorReply naming its subject, never a crash.
    const serve = <T, R>(type: RequestType<T, R>, handler: (request: T, meta: MessageMeta) => R | Promise<R>): void => {
      role.on(type, async (request, meta) => {
        try {
          return await handler(request, meta);
        } catch (error) {
          throw toGridErrorReply(error, this.log, type.name);
        }
      });
    };
    serve(GetGridTopology, (request) => gridTopologyReply(this.requireGrid(), this.state.version, request.summaryOnly));
    serve(QueryTopology, (request) => queryTopology(this.requireGrid(), request));
    serve(GetAdjacency, (request) => adjacency(this.requireGrid(), request, this.state.version));
    serve(SetSwitchState, (request) => this.setSwitch(request.switchId, request.open, 'SetSwitchState'));
    serve(ReloadTopology, (request) => this.reload(request.storageFile));
    role.on(GetGridProfiles, (request) => {
      try {
        return this.profiles(request);
      } catch (error) {
        throw toGridErrorReply(error, this.log, GetGridProfiles.name);
      }
    });
    role.on(GetVerifiedGrid, (request) => {
      try {
        return this.verifiedGrid(request);
      } catch (error) {
        throw toGridErrorReply(error, this.log, GetVerifiedGrid.name);
      }
    });
    on.topic(this.settings.switchTopic, SwitchChanged, (event) => this.switchChanged(event));
    on.publishes(GRM_EVENTS_TOPIC);
  }

  override restoreState(saved: unknown): void {
    this.state.restore(saved);
  }

  override saveState(): unknown {
    return this.state.toSaved();
  }

  override async start(): Promise<void> {
    const source = configuredSource(this.settings);
    if (source === undefined) {
      this.noTopologyReason = 'no topology source is configured (settings cimFiles or storageFile); ReloadTopology with storage_file loads one';
      this.log.warn('no topology source configured; answering NoTopology until ReloadTopology loads one');
    } else {
      await this.loadOrKeepRunning(source);
    }
    // Storage may come up after the GRM: a load that failed for want of it is tried again.
    this.every(this.settings.retryMs, async () => {
      const retrySource = configuredSource(this.settings);
      if (!this.retryLoad || this.grid !== undefined || retrySource === undefined) return;
      await this.loadOrKeepRunning(retrySource);
    });
  }

  override async configChanged(next: Record<string, unknown>): Promise<void> {
    let parsed: GrmSettings;
    try {
      parsed = parseGrmSettings(next);
    } catch (error) {
      this.log.error('grm settings change ignored', { error: (error as Error).message });
      return;
    }
    const previous = this.settings;
    this.settings = parsed;
    if (parsed.switchTopic !== previous.switchTopic) this.log.warn('switchTopic changed; it takes effect at the next start', { switchTopic: parsed.switchTopic });
    const sourceChanged = JSON.stringify(configuredSource(parsed)) !== JSON.stringify(configuredSource(previous));
    const pointsChanged = JSON.stringify(parsed.monitoringPoints) !== JSON.stringify(previous.monitoringPoints);
    const source = configuredSource(parsed);
    if ((sourceChanged || pointsChanged) && source !== undefined) await this.loadOrKeepRunning(source);
  }

  // ------------------------------------------------------------ topology

  private requireGrid(): LoadedGrid {
    if (this.grid === undefined) throw new GridRequestError('NoTopology', `no topology is loaded: ${this.noTopologyReason}`);
    return this.grid;
  }

  /** Loads at start or on a timer: a failure is logged and leaves the module answering NoTopology, never crashing. */
  private async loadOrKeepRunning(source: TopologySource): Promise<void> {
    try {
      await this.load(source);
      this.retryLoad = false;
      this.failedLoads = 0;
    } catch (error) {
      const failure = error instanceof GridRequestError ? error : new GridRequestError('NoTopology', (error as Error).message);
      // Storage not there yet, or there without the configured files yet (an administrator
      // stores them after starting the module, or storage came up between the two reads):
      // both can mend themselves, so the timer tries again.
      this.retryLoad = failure.code === 'Unavailable' || (source.kind === 'storage' && failure.code === 'NotFound');
      this.failedLoads++;
      if (this.grid === undefined) this.noTopologyReason = failure.message;
      // A storage that stays away is reported on the first failure and then every tenth.
      if (this.failedLoads === 1 || this.failedLoads % 10 === 0) {
        this.log.error(this.grid === undefined ? 'no topology: the load failed; answering NoTopology' : 'topology reload failed; the previous topology stays', {
          source: describeSource(source),
          reason: failure.message,
          ...(this.retryLoad ? { retryInMs: this.settings.retryMs } : {}),
          failures: this.failedLoads,
        });
      }
    }
  }

  private async load(source: TopologySource): Promise<LoadedGrid> {
    const loaded = await loadTopology(source, (file) => this.readStoredFile(file));
    const grid = new LoadedGrid(loaded, this.settings.monitoringPoints);
    const elements = new Map(loaded.cim.network.elements.map((element) => [element.id, element.kind]));
    const reapplied = this.state.applyTo(grid.topology, (id) => elements.get(id) === 'switch');
    grid.refresh();
    this.grid = grid;
    const version = this.state.nextVersion();
    this.log.info('topology loaded', {
      source: loaded.source,
      version,
      elements: grid.topology.size,
      islands: grid.topology.islands().length,
      monitoringPoints: grid.points.length,
      problems: loaded.cim.problems.length,
      switchesReapplied: reapplied.applied,
      tookMs: loaded.tookMs,
    });
    if (reapplied.unknown.length > 0) this.log.warn('switch states set earlier name switches this topology does not have; kept for later loads', { switches: reapplied.unknown.join(',') });
    for (const point of grid.pointsOffTopology) this.log.warn('monitoring point at an element the topology does not have; it takes part in no residual', { point: point.id, element: point.element });
    this.publish(GRM_EVENTS_TOPIC, TopologyChanged, { version, cause: 'load', open: false, affected: grid.topology.size });
    return grid;
  }

  private async reload(storageFile: string | undefined): Promise<GridTopologyReply> {
    let source: TopologySource | undefined;
    if (storageFile !== undefined && storageFile !== '') {
      const files = storageFilesOf(storageFile);
      if (files.length === 0) throw new GridRequestError('InvalidArgument', `storage_file ${JSON.stringify(storageFile)} names no file`);
      source = { kind: 'storage', files };
    } else {
      source = configuredSource(this.settings);
      if (source === undefined) throw new GridRequestError('InvalidArgument', 'no topology source is configured (settings cimFiles or storageFile): give storage_file');
    }
    try {
      const grid = await this.load(source);
      this.retryLoad = false;
      this.failedLoads = 0;
      return gridTopologyReply(grid, this.state.version, true);
    } catch (error) {
      if (this.grid === undefined && error instanceof GridRequestError) this.noTopologyReason = error.message;
      this.log.warn(this.grid === undefined ? 'ReloadTopology failed; still no topology' : 'ReloadTopology failed; the previous topology stays', {
        source: describeSource(source),
        reason: (error as Error).message,
      });
      throw error;
    }
  }

  /** One stored topology file's bytes from role storage. */
  private async readStoredFile(file: string): Promise<Uint8Array> {
    await this.storageDiscovered();
    try {
      const reply = await this.requestOrThrow(STORAGE_ROLE, GetTopology, { file, match: 'Any' }, { timeoutMs: this.settings.storageTimeoutMs });
      if (reply.content === undefined || reply.content.length === 0) throw new GridRequestError('NoTopology', `the stored topology file ${file} is empty`, file);
      return reply.content;
    } catch (error) {
      if (error instanceof GridRequestError) throw error;
      if (error instanceof RecipientFailureError && error.replyType === ErrorReply.name) {
        const reply = ErrorReply.decode(error.replyBody);
        if (reply.code === 'NotFound') throw new GridRequestError('NotFound', `storage has no topology file ${file} (PutTopology stores one)`, file);
        throw new GridRequestError('Unavailable', `storage refused the topology file ${file}: ${reply.code}: ${reply.message ?? ''}`, file);
      }
      throw new GridRequestError('Unavailable', `storage did not answer for the topology file ${file}: ${(error as Error).message}`, file);
    }
  }

  /** Waits (up to storageTimeoutMs) until a holder of role storage is known: a module just started has not discovered its peers yet. */
  private async storageDiscovered(): Promise<void> {
    await waitForRole(this.context.bus().registry, STORAGE_ROLE, this.settings.storageTimeoutMs);
  }

  // ------------------------------------------------------------ switches

  private setSwitch(switchId: string, open: boolean, via: string): SwitchStateReply {
    const grid = this.requireGrid();
    const element = grid.element(switchId, 'switch');
    if (element.kind !== 'switch') throw new GridRequestError('InvalidArgument', `${switchId} is a ${element.kind} (${element.cimClass}), not a switch`, switchId);
    const change = grid.topology.setSwitch(switchId, open);
    this.state.recordSwitch(switchId, open);
    let version = this.state.version;
    if (change.changed) {
      grid.refresh();
      version = this.state.nextVersion();
      this.log.info('switch changed', { switchId, open, affected: change.affected, version, via });
      this.publish(GRM_EVENTS_TOPIC, TopologyChanged, { version, cause: 'switch', switchId, open, affected: change.affected });
    }
    return { switchId, open, changed: change.changed, affected: change.affected, version };
  }

  private switchChanged(event: SwitchChanged): void {
    try {
      this.setSwitch(event.switchId, event.open, 'SwitchChanged');
    } catch (error) {
      this.log.warn('SwitchChanged not applied', { switchId: event.switchId, open: event.open, reason: (error as Error).message });
    }
  }

  // ------------------------------------------------------------ profiles

  /** Checked and planned in the mailbox; read and computed outside it (replyLater). */
  private profiles(request: GetGridProfiles): ReplyLater<GridProfilesReply> {
    const grid = this.requireGrid();
    const options = checkProfileRequest(request, this.settings);
    const asked = request.monitoringPoints !== undefined && request.monitoringPoints.length > 0 ? [...new Set(request.monitoringPoints)] : grid.points.map((point) => point.id);
    for (const id of asked) grid.point(id);
    let tree: Map<string, readonly string[]> | undefined;
    const read = new Set(asked);
    if (request.residual) {
      tree = new Map(asked.map((id) => [id, grid.residualTree.get(id) ?? []]));
      for (const children of tree.values()) for (const child of children) read.add(child);
    }
    const series: StoredSeries[] = [...read].map((id) => ({ id, dataPoint: grid.point(id).dataPoint }));
    const version = this.state.version;
    const { storageTimeoutMs, readConcurrency } = this.settings;
    const ask = (entries: GetEntriesOfTimeSpan) => this.requestOrThrow(STORAGE_ROLE, GetEntriesOfTimeSpan, entries, { timeoutMs: storageTimeoutMs });
    const job = tree === undefined ? { ids: asked, series, options } : { ids: asked, series, options, tree };
    const started = Date.now();
    const reply = this.storageDiscovered()
      .then(() => runProfileJob(job, ask, readConcurrency))
      .then((profiles): GridProfilesReply => {
        this.log.debug('profiles served', { profiles: profiles.length, read: series.length, residual: request.residual, stepMs: options.stepMs, tookMs: Date.now() - started });
        return { version, profiles };
      })
      .catch((error: unknown) => {
        throw toGridErrorReply(error, this.log, GetGridProfiles.name);
      });
    return replyLater(reply);
  }

  // ------------------------------------------------------------ verified grid (SCDA)

  /**
   * The topology and the request are taken in the mailbox; reading the profiles, SSD's
   * verification and the residuals happen outside it (replyLater). Every outcome is published as
   * GridVerified on grm/events.
   */
  private verifiedGrid(request: GetVerifiedGrid): ReplyLater<VerifiedGridReply> {
    const grid = this.requireGrid();
    const options = checkProfileRequest(request, this.settings);
    const version = this.state.version;
    const data = gridDataOf(grid, version);
    const ids = grid.points.map((point) => point.id);
    const series: StoredSeries[] = grid.points.map((point) => ({ id: point.id, dataPoint: point.dataPoint }));
    const tree = grid.residualTree;
    const { storageTimeoutMs, readConcurrency, ssdTimeoutMs, requireVerification } = this.settings;
    const registry = this.context.bus().registry;
    const ask = (entries: GetEntriesOfTimeSpan) => this.requestOrThrow(STORAGE_ROLE, GetEntriesOfTimeSpan, entries, { timeoutMs: storageTimeoutMs });
    const askSsd = async (gridData: GridData) => {
      const deadline = Date.now() + ssdTimeoutMs;
      if (!(await waitForRole(registry, SSD_ROLE, ssdTimeoutMs))) throw new Error(`no module holds role ${SSD_ROLE} (waited ${ssdTimeoutMs} ms, setting ssdTimeoutMs)`);
      return this.requestOrThrow(SSD_ROLE, VerifyTopology, { grid: gridData }, { timeoutMs: Math.max(1000, deadline - Date.now()) });
    };
    const started = Date.now();
    this.log.info('verified grid asked: reading the monitoring points\' profiles', { points: ids.length, fromMs: options.startMs, toMs: options.endMs, stepMs: options.stepMs, version });
    const reply = verifyGrid(
      { data, tree, fromMs: options.startMs, toMs: options.endMs, requireVerification },
      {
        readProfiles: () => this.storageDiscovered().then(() => runProfileJob({ ids, series, options }, ask, readConcurrency)),
        askSsd,
        log: this.log,
      },
    ).then(({ reply, event }) => {
      this.publish(GRM_EVENTS_TOPIC, GridVerified, event);
      this.log.info('verified grid answered', { valid: reply.valid, reason: reply.reason, version, tookMs: Date.now() - started });
      return reply;
    });
    return replyLater(reply);
  }
}
