// The Building Representation Module: the buildings whose active power profiles storage holds
// (configured, or discovered by their tag) and those profiles aligned to a common grid, served on
// role `brm` (schemas/grid.fbs). What it serves and its settings: ./README.md.

import type { AlignOptions } from '../../core/grid/profiles/api.js';
import { Module, replyLater, type Declarations, type ReplyLater } from '../../core/actor/index.js';
import { GridRequestError, toGridErrorReply } from '../../core/grid/serving/grid-error.js';
import { runProfileJob } from '../../core/grid/serving/profile-job.js';
import { checkProfileRequest } from '../../core/grid/serving/profile-request.js';
import { storageFailure } from '../../core/grid/serving/stored-profiles.js';
import { waitForRole } from '../../core/grid/serving/wait-for-role.js';
import { GetBuildingProfiles, GetBuildings, GetDataPoints, GetEntriesOfTimeSpan, type BuildingInfo, type BuildingsReply, type GridProfilesReply } from '../../schemas/generated/messages.js';
import { mergeBuildings } from './building-list.js';
import { brmDefaults, parseBrmSettings, type BrmSettings } from './settings.js';

export const BRM_ROLE = 'brm';
const STORAGE_ROLE = 'storage';

export default class Brm extends Module {
  static override info = { name: 'brm', version: '1.0.0', description: "buildings' active power profiles, aligned, on role brm" };
  static override defaults: Record<string, unknown> = { ...brmDefaults };

  // Checked when the module is constructed: a bad setting stops the start with a clear message.
  private settings: BrmSettings = parseBrmSettings(this.config);

  override declare(on: Declarations): void {
    const role = on.role(BRM_ROLE);
    // Both answers wait for storage outside the mailbox (replyLater); failures become GridErrorReplies.
    role.on(GetBuildings, () => this.later(GetBuildings.name, async () => ({ buildings: await this.buildings() })));
    role.on(GetBuildingProfiles, (request) => {
      let options: AlignOptions;
      try {
        options = checkProfileRequest(request, this.settings);
      } catch (error) {
        throw toGridErrorReply(error, this.log, GetBuildingProfiles.name);
      }
      const { storageTimeoutMs, readConcurrency } = this.settings;
      return this.later(GetBuildingProfiles.name, async (): Promise<GridProfilesReply> => {
        const known = await this.buildings();
        const byId = new Map(known.map((building) => [building.id, building]));
        const asked = request.buildings !== undefined && request.buildings.length > 0 ? [...new Set(request.buildings)] : known.map((building) => building.id);
        const series = asked.map((id) => {
          const building = byId.get(id);
          if (building === undefined) throw new GridRequestError('NotFound', `no building ${JSON.stringify(id)} (known: ${known.length}; GetBuildings lists them)`, id);
          return { id, dataPoint: building.dataPoint };
        });
        const ask = (entries: GetEntriesOfTimeSpan) => this.requestOrThrow(STORAGE_ROLE, GetEntriesOfTimeSpan, entries, { timeoutMs: storageTimeoutMs });
        const started = Date.now();
        const profiles = await runProfileJob({ ids: asked, series, options }, ask, readConcurrency);
        this.log.debug('profiles served', { profiles: profiles.length, stepMs: options.stepMs, tookMs: Date.now() - started });
        // BRM has no topology: its profiles carry version 0.
        return { version: 0, profiles };
      });
    });
  }

  override configChanged(next: Record<string, unknown>): void {
    try {
      this.settings = parseBrmSettings(next);
    } catch (error) {
      this.log.error('brm settings change ignored', { error: (error as Error).message });
    }
  }

  override start(): void {
    this.log.info('serving buildings', {
      configured: this.settings.buildings.length,
      discoveredByTag: this.settings.buildingTag ?? '(none)',
    });
  }

  private later<R>(request: string, work: () => Promise<R>): ReplyLater<R> {
    return replyLater(
      work().catch((error: unknown) => {
        throw toGridErrorReply(error, this.log, request);
      }),
    );
  }

  /** The configured buildings and, with a building tag, those storage holds; asked anew each time, so new data points show up at once. */
  private async buildings(): Promise<BuildingInfo[]> {
    const { buildings, buildingTag, storageTimeoutMs } = this.settings;
    if (buildingTag === undefined) return mergeBuildings(buildings, []);
    await waitForRole(this.context.bus().registry, STORAGE_ROLE, storageTimeoutMs);
    try {
      const reply = await this.requestOrThrow(STORAGE_ROLE, GetDataPoints, { tags: [buildingTag], match: 'Any' }, { timeoutMs: storageTimeoutMs });
      return mergeBuildings(buildings, reply.dataPoints ?? []);
    } catch (error) {
      const failure = storageFailure(error, { id: `buildings tagged ${buildingTag}`, dataPoint: `(GetDataPoints tag ${buildingTag})` });
      throw new GridRequestError('Unavailable', `the buildings tagged ${buildingTag} could not be listed: ${failure.message}`);
    }
  }
}
