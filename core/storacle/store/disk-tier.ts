/**
 * The disk tier of a Storacle with a dataDir (being built: this skeleton refuses to open).
 */
import type { ChunkLoader } from '../series/index.js';
import type { OnlineStatistics } from '../statistics/index.js';
import { StoreError } from './api.js';
import type { CorruptionReport, SealedFile, StoracleOptions } from './api.js';
import type { Catalogue, CatalogueEntry } from './catalogue.js';
import type { DataPointState } from './data-point-state.js';
import type { MetaRecord } from './meta-record.js';

/** What the disk tier needs from the store it serves. */
export interface DiskTierHost {
  report(r: CorruptionReport): void;
  readonly catalogue: Catalogue;
  readonly points: Map<string, DataPointState>;
  createState(entry: CatalogueEntry, restored: OnlineStatistics | undefined, loader: ChunkLoader | undefined): DataPointState;
}

export class DiskTier {
  private constructor() {}

  static async open(dataDir: string, _options: StoracleOptions, _host: DiskTierHost): Promise<DiskTier> {
    throw new StoreError('Unavailable', `the disk tier is not built yet (dataDir ${dataDir})`);
  }

  loaderFor(_entry: CatalogueEntry): ChunkLoader | undefined {
    return undefined;
  }

  logEntry(_seriesId: number, _timestampMs: number, _value: number, _arrivalMs: number): Promise<void> {
    return Promise.resolve();
  }

  logMeta(_record: MetaRecord): void {}

  ackAppended(logged: Promise<void>): Promise<'appended'> {
    return logged.then(() => 'appended' as const);
  }

  afterQuery(_state: DataPointState): void {}

  sealedFiles(): SealedFile[] {
    return [];
  }

  async releaseLocal(relativePath: string): Promise<void> {
    throw new StoreError('NotFound', `no sealed file ${relativePath}`);
  }

  async checkpoint(): Promise<void> {}

  async close(): Promise<void> {}
}
