// The storage module: Storacle (core/storacle) served on the bus under role `storage`, with the
// request types of schemas/storage.fbs, MeasurementEvents taken from the measurement topics, and
// observer events published for every change. What it serves and its settings: ./README.md.

import { Module, replyLater, type Declarations, type MessageMeta, type ReplyLater, type ShutdownDecision } from '../../core/actor/index.js';
import type { RequestType } from '../../core/schema/message-type.js';
import { StoreError, type StoracleApi, type StoracleOptions } from '../../core/storacle/store/api.js';
import { Storacle } from '../../core/storacle/store/storacle.js';
import {
  AddEntries,
  type AddEntriesReply,
  AddEntry,
  AddEntryBatch,
  CreateDataPoint,
  ExistsDataPoint,
  GetDataPoints,
  GetDownsampled,
  GetEntriesOfTimeSpan,
  GetMostRecentEntry,
  GetStatistics,
  GetTags,
  GetTopology,
  MeasurementEvent,
  PutTopology,
  SaveDataPointsCSV,
  StorageStatus,
  UpdateTags,
  type SuccessReply,
} from '../../schemas/generated/messages.js';
import { batchSize, checkBatch } from './batch-check.js';
import { CsvExportRequest } from './csv-export-request.js';
import { DataDirLock } from './data-dir-lock.js';
import { DataPointRequests } from './data-point-requests.js';
import { DownsampledRequest } from './downsampled-request.js';
import { EntryRequests } from './entry-requests.js';
import { EntryWriter } from './entry-writer.js';
import { toErrorReply } from './error-reply.js';
import { ExportFolder } from './export-folder.js';
import { MeasurementIngest } from './measurement-ingest.js';
import { ObserverEvents, PUBLISHED_TOPICS } from './observer-events.js';
import { RemoteUploader } from './remote-uploader.js';
import { parseStorageSettings, storageDefaults, type StorageSettings } from './settings.js';
import { StatisticsRequest } from './statistics-request.js';
import { STATUS_TOPIC, StatusReporter } from './status-report.js';
import type { StorageContext } from './storage-context.js';
import { ThrottledLog } from './throttled-log.js';
import { TopologyRequests } from './topology-requests.js';

export const STORAGE_ROLE = 'storage';

function successMessage(outcome: 'appended' | 'duplicate'): SuccessReply {
  return { message: outcome === 'appended' ? 'stored' : 'duplicate (already stored)' };
}

export default class Storage extends Module {
  static override info = { name: 'storage', version: '1.0.0', description: 'Storacle time-series store on role storage' };
  static override defaults: Record<string, unknown> = { ...storageDefaults };

  // Checked when the module is constructed: a bad setting stops the start with a clear message.
  private settings: StorageSettings = parseStorageSettings(this.config, this.stateDir);
  private store?: StoracleApi;
  private lock?: DataDirLock;
  private remote?: RemoteUploader;
  private exportFolder = new ExportFolder(this.settings.exportDir);
  private readonly requestContext: StorageContext = {
    store: () => this.openStore(),
    events: new ObserverEvents(
      (topic, type, value) => this.publish(topic, type, value),
      (topic) => this.hasSubscriber(topic),
    ),
    settings: () => this.settings,
    log: this.log,
  };
  private readonly writer = new EntryWriter(() => this.openStore(), this.requestContext.events);
  private readonly ingest = new MeasurementIngest(this.writer, new ThrottledLog(this.log));
  private readonly dataPoints = new DataPointRequests(this.requestContext);
  private readonly entries = new EntryRequests(this.requestContext);
  private readonly statistics = new StatisticsRequest(this.requestContext);
  private readonly downsampled = new DownsampledRequest(this.requestContext);
  private readonly topology = new TopologyRequests(this.requestContext);
  private readonly csv = new CsvExportRequest(this.requestContext, () => this.exportFolder);
  /** Entries of refused AddEntry, AddEntries and AddEntryBatch requests (the sent ones count in `ingest`). */
  private refusedByRequests = 0;
  private readonly status = new StatusReporter({
    store: () => this.store,
    dataDir: this.settings.dataDir,
    remoteBacklogFiles: () => this.remote?.backlogFiles() ?? Promise.resolve(0),
    refusedEntries: () => this.refusedByRequests + this.ingest.refused,
    publish: (status) => this.publish(STATUS_TOPIC, StorageStatus, status),
    failed: (error) => this.log.warn('storage status not published', { error: (error as Error).message }),
  });

  override declare(on: Declarations): void {
    const role = on.role(STORAGE_ROLE);
    // Every handler answers a failure with an ErrorReply naming the data point, never a crash.
    const serve = <T, R>(type: RequestType<T, R>, handler: (request: T, meta: MessageMeta) => R | Promise<R>): void => {
      role.on(type, async (request, meta) => {
        try {
          return await handler(request, meta);
        } catch (error) {
          const dataPoint = (request as { dataPoint?: unknown }).dataPoint;
          throw toErrorReply(error, typeof dataPoint === 'string' ? dataPoint : undefined, this.log, type.name);
        }
      });
    };
    serve(CreateDataPoint, (request) => this.dataPoints.create(request));
    serve(ExistsDataPoint, (request) => this.dataPoints.exists(request));
    serve(GetDataPoints, (request) => this.dataPoints.list(request));
    serve(GetTags, (request) => this.dataPoints.tags(request));
    serve(UpdateTags, (request) => this.dataPoints.updateTags(request));
    role.on(AddEntry, (request, meta) => this.addEntry(request, meta));
    role.on(AddEntries, (request) => this.addEntries(request));
    role.on(AddEntryBatch, (request) => this.addEntryBatch(request));
    serve(GetMostRecentEntry, (request) => this.entries.mostRecent(request));
    serve(GetEntriesOfTimeSpan, (request) => this.entries.entriesOfTimeSpan(request));
    serve(GetStatistics, (request) => this.statistics.answer(request));
    serve(GetDownsampled, (request) => this.downsampled.answer(request));
    serve(GetTopology, (request) => this.topology.get(request));
    serve(PutTopology, (request) => this.topology.put(request));
    serve(SaveDataPointsCSV, (request) => this.csv.answer(request));
    for (const topic of this.settings.measurementTopics) {
      on.topic(topic, MeasurementEvent, (event, meta) => this.ingest.take(event.dataPoint, event.timestampMs, event.value, meta, 'MeasurementEvent'));
    }
    on.publishes(...PUBLISHED_TOPICS);
  }

  override async start(): Promise<void> {
    const options: StoracleOptions = { ack: this.settings.ack };
    if (this.settings.dataDir !== undefined) options.dataDir = this.settings.dataDir;
    if (this.settings.chunkSize !== undefined) options.chunkSize = this.settings.chunkSize;
    if (this.settings.groupCommitMaxDelayMs !== undefined) options.groupCommitMaxDelayMs = this.settings.groupCommitMaxDelayMs;
    if (this.settings.retention !== undefined) options.retention = this.settings.retention;
    if (this.settings.segmentPeriodMs !== undefined) options.segmentPeriodMs = this.settings.segmentPeriodMs;
    // The store's own periodic checkpoint keeps partly filled heads in its snapshot rather than
    // sealing them, so a quiet data point is not cut into small, poorly compressed chunks.
    options.checkpointIntervalMs = this.settings.checkpointIntervalMs;
    options.onCorruption = (report) => this.log.error('corrupt data skipped', { file: report.file, offset: report.offset, reason: report.reason, dataPoint: report.dataPoint });
    const started = Date.now();
    if (this.settings.dataDir !== undefined) this.lock = DataDirLock.acquire(this.settings.dataDir);
    try {
      this.store = await Storacle.open(options);
    } catch (error) {
      this.lock?.release();
      throw error;
    }
    this.log.info('store open', {
      dataDir: this.settings.dataDir ?? '(in memory)',
      ack: this.settings.ack,
      dataPoints: this.store.dataPoints().length,
      openMs: Date.now() - started,
    });
    if (this.settings.remote !== undefined && this.settings.dataDir !== undefined) {
      try {
        this.remote = await RemoteUploader.start(this.settings.remote, this.store, this.settings.dataDir, this.log);
      } catch (error) {
        // A target that cannot even be built (an unreadable key file) stops the start like a bad setting.
        await this.store.close().catch(() => undefined);
        this.store = undefined;
        this.lock?.release();
        this.lock = undefined;
        throw error;
      }
    }
    this.status.start(this.settings.statusIntervalMs);
  }

  /** Accepts after a checkpoint, so the next start has little log to replay. */
  override async shutdown(): Promise<ShutdownDecision> {
    await this.checkpoint('shutdown request');
    return { accept: true };
  }

  /** Runs on every way out (ShutdownRequest, SIGTERM, SIGINT): the store checkpoints and closes. */
  override async release(): Promise<void> {
    this.status.stop();
    await super.release();
    // The remote tier reads and releases the store's files: it stops first.
    const remote = this.remote;
    this.remote = undefined;
    await remote?.stop();
    const store = this.store;
    this.store = undefined;
    if (!store) return;
    try {
      await store.close();
      this.log.info('store closed', { dataDir: this.settings.dataDir ?? '(in memory)' });
    } catch (error) {
      this.log.error('store did not close cleanly; the write-ahead log is replayed at the next start', { error: (error as Error).message });
    } finally {
      this.lock?.release();
      this.lock = undefined;
    }
  }

  override configChanged(next: Record<string, unknown>): void {
    let parsed: StorageSettings;
    try {
      parsed = parseStorageSettings(next, this.stateDir);
    } catch (error) {
      this.log.error('storage settings change ignored', { error: (error as Error).message });
      return;
    }
    const restartNeeded = (['dataDir', 'ack', 'chunkSize', 'groupCommitMaxDelayMs', 'retention', 'measurementTopics', 'checkpointIntervalMs', 'segmentPeriodMs', 'remote'] as const).filter(
      (key) => JSON.stringify(parsed[key]) !== JSON.stringify(this.settings[key]),
    );
    if (restartNeeded.length > 0) this.log.warn('storage settings changed that take effect at the next start', { settings: restartNeeded.join(',') });
    // The limits and the export folder apply at once.
    const statusChanged = parsed.statusIntervalMs !== this.settings.statusIntervalMs;
    this.settings = {
      ...this.settings,
      maxEntriesPerReply: parsed.maxEntriesPerReply,
      histogramExactLimit: parsed.histogramExactLimit,
      maxTopologyBytes: parsed.maxTopologyBytes,
      exportDir: parsed.exportDir,
      statusIntervalMs: parsed.statusIntervalMs,
    };
    this.exportFolder = new ExportFolder(parsed.exportDir);
    if (statusChanged && this.store) this.status.start(parsed.statusIntervalMs);
  }

  /**
   * AddEntry as a request is answered once the store acknowledged the entry (its ack mode,
   * default durable); sent without a reply wanted (bus send), it is stored like a
   * MeasurementEvent and a failure is only logged. The checks and the append run in the
   * mailbox, in arrival order; the wait for the disk does not (replyLater), so the entries of
   * many requests in flight share one group commit instead of one fsync each.
   */
  private addEntry(request: AddEntry, meta: MessageMeta): SuccessReply | ReplyLater<SuccessReply> {
    const fail = (error: unknown): never => {
      this.refusedByRequests++;
      throw toErrorReply(error, request.dataPoint, this.log, AddEntry.name);
    };
    if (meta.kind === 'send') {
      this.takeSent(request, meta);
      return {};
    }
    try {
      return replyLater(this.writer.write(request.dataPoint, request.timestampMs, request.value).then(successMessage, fail));
    } catch (error) {
      return fail(error);
    }
  }

  /** Like AddEntry as a request, for many entries of one data point: one reply when all are acknowledged. */
  private addEntries(request: AddEntries): ReplyLater<AddEntriesReply> {
    const dataPoint = request.dataPoint;
    const fail = (error: unknown): never => {
      this.refusedByRequests += request.timestampsMs?.length ?? 0;
      throw toErrorReply(error, dataPoint, this.log, AddEntries.name);
    };
    try {
      const written = this.writer.writeMany(dataPoint, request.timestampsMs ?? [], request.values ?? [], this.settings.maxEntriesPerReply);
      return replyLater(written.then(({ appended, duplicates }) => ({ dataPoint, appended, duplicates }), fail));
    } catch (error) {
      return fail(error);
    }
  }

  /**
   * Entries of many data points in one request (a gateway's flush): checked whole, then appended
   * in their order with one acknowledgement for all. The reply's data_point is "" (the entries
   * belong to several); appended and duplicates count the whole batch.
   */
  private addEntryBatch(request: AddEntryBatch): ReplyLater<AddEntriesReply> {
    const fail = (error: unknown): never => {
      this.refusedByRequests += batchSize(request);
      throw toErrorReply(error, undefined, this.log, AddEntryBatch.name);
    };
    try {
      const batch = checkBatch(request, this.openStore(), this.settings.maxEntriesPerReply);
      return replyLater(this.writer.writeBatch(batch).then(({ appended, duplicates }) => ({ dataPoint: '', appended, duplicates }), fail));
    } catch (error) {
      return fail(error);
    }
  }

  private takeSent(request: AddEntry, meta: MessageMeta): void {
    this.ingest.take(request.dataPoint, request.timestampMs, request.value, meta, 'AddEntry (send)');
  }

  private openStore(): StoracleApi {
    if (!this.store) throw new StoreError('Unavailable', 'the store is not open (starting or shutting down)');
    return this.store;
  }

  private async checkpoint(why: string): Promise<void> {
    if (!this.store) return;
    try {
      await this.store.checkpoint();
      this.log.debug('checkpoint written', { why });
    } catch (error) {
      this.log.error('checkpoint failed; entries stay in the write-ahead log', { why, error: (error as Error).message });
    }
  }
}
