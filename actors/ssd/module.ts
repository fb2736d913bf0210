// Switch State Detection (role `ssd`): checks the recorded switch states of the grid data GRM
// sends (VerifyTopology) against its monitoring points' profiles (core/grid/ssd) and answers the
// same grid data with the verdict appended (VerifiedGrid). What it does and its settings: ./README.md.

import { Module, replyLater, type Declarations, type ReplyLater, type WorkerHandle } from '../../core/actor/index.js';
import type { SsdVerdict } from '../../core/grid/ssd/api.js';
import { GridRequestError, toGridErrorReply } from '../../core/grid/serving/grid-error.js';
import { VerifyTopology, type TopologyVerdict, type VerifiedGrid } from '../../schemas/generated/messages.js';
import { decodeGridData } from './grid-data.js';
import { parseSsdSettings, ssdDefaults, type SsdSettings } from './settings.js';
import type { SsdWorkerApi } from './verify-worker.js';

export const SSD_ROLE = 'ssd';

export default class Ssd extends Module {
  static override info = { name: 'ssd', version: '1.0.0', description: 'switch state detection: recorded switch states against measured profiles, on role ssd' };
  static override defaults: Record<string, unknown> = { ...ssdDefaults };

  // Checked when the module is constructed: a bad setting stops the start with a clear message.
  private settings: SsdSettings = parseSsdSettings(this.config);
  private worker: WorkerHandle<SsdWorkerApi> | undefined;

  override declare(on: Declarations): void {
    on.role(SSD_ROLE).on(VerifyTopology, (request) => this.verify(request));
  }

  override start(): void {
    this.log.info('verifying switch states', { ...this.settings });
  }

  override configChanged(next: Record<string, unknown>): void {
    try {
      this.settings = parseSsdSettings(next);
      this.log.info('ssd settings changed', { ...this.settings });
    } catch (error) {
      this.log.error('ssd settings change ignored', { error: (error as Error).message });
    }
  }

  private verify(request: VerifyTopology): ReplyLater<VerifiedGrid> {
    let decoded: ReturnType<typeof decodeGridData>;
    try {
      // Checked in the mailbox: cheap, and a refusal needs no worker.
      decoded = decodeGridData(request.grid);
    } catch (error) {
      this.log.warn('VerifyTopology refused', { reason: (error as Error).message });
      throw toGridErrorReply(error, this.log, VerifyTopology.name);
    }
    const grid = request.grid!;
    const settings = this.settings;
    this.worker ??= this.startWorker<SsdWorkerApi>(new URL('./verify-worker.js', import.meta.url));
    const worker = this.worker;
    return replyLater(
      (async (): Promise<VerifiedGrid> => {
        let result: { verdict: SsdVerdict; tookMs: number };
        try {
          result = await worker.api.verify(decoded.network, decoded.profiles, settings);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          // The core's SsdInputError crosses the thread as a plain Error; its text says what is wrong.
          throw toGridErrorReply(new GridRequestError('InvalidArgument', `the grid could not be verified: ${message}`), this.log, VerifyTopology.name);
        }
        const { verdict, tookMs } = result;
        const inconsistent = verdict.switches.filter((finding) => !finding.consistent).map((finding) => finding.name || finding.switchId);
        this.log.info(verdict.consistent ? 'topology consistent' : 'topology inconsistent', {
          version: grid.version,
          switches: verdict.switches.length,
          unobservable: verdict.switches.filter((finding) => !finding.observable).length,
          inconsistent,
          scoreRecorded: verdict.scoreRecorded,
          scoreBest: verdict.scoreBest,
          slots: verdict.slots,
          tookMs: Math.round(tookMs),
        });
        this.log.debug(verdict.explanation);
        return { grid, verdict: topologyVerdict(verdict) };
      })(),
    );
  }
}

export function topologyVerdict(verdict: SsdVerdict): TopologyVerdict {
  return {
    consistent: verdict.consistent,
    switches: verdict.switches.map((finding) => ({
      switchId: finding.switchId,
      name: finding.name,
      recordedOpen: finding.recordedOpen,
      supportedOpen: finding.supportedOpen,
      consistent: finding.consistent,
      confidence: finding.confidence,
      observable: finding.observable,
      equivalent: [...finding.equivalent],
    })),
    scoreRecorded: verdict.scoreRecorded,
    scoreBest: verdict.scoreBest,
    explanation: verdict.explanation,
    slots: verdict.slots,
  };
}
