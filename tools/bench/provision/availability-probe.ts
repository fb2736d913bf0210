/**
 * Asks role `role` GetMostRecentEntry back to back from a bus peer and keeps
 * the time of every answer; the longest gap between two answers while an
 * upgrade runs is the upgrade's unavailability as a client sees it (from the
 * last answer of the old version to the first of the new one, discovery of
 * the new holder included). The answers count requests served, so the first
 * answer of the new version shows whether the state was handed over.
 */
import type { Bus } from '../../../core/bus/index.js';
import { GetMostRecentEntry, MostRecentEntryReply } from '../../../schemas/generated/messages.js';
import { nowNs, sleep } from '../harness.js';

export interface ProbeResult {
  /** Longest time without an answer, ms. */
  longestGapMs: number;
  /** Values answered just before and just after the longest gap (the served count). */
  beforeGap: number;
  afterGap: number;
  answers: number;
}

export class AvailabilityProbe {
  private running = true;
  private readonly answers: { atNs: number; value: number }[] = [];
  private readonly loop: Promise<void>;

  constructor(
    private readonly bus: Bus,
    private readonly role: string,
  ) {
    this.loop = this.run();
  }

  /** Resolves once the role has answered at least once. */
  async answered(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.answers.length === 0) {
      if (Date.now() > deadline) throw new Error(`role ${this.role} never answered the probe within ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  async stop(): Promise<ProbeResult> {
    this.running = false;
    await this.loop;
    let longest = 0;
    let at = 0;
    for (let i = 1; i < this.answers.length; i++) {
      const gap = this.answers[i].atNs - this.answers[i - 1].atNs;
      if (gap > longest) {
        longest = gap;
        at = i;
      }
    }
    if (this.answers.length < 2) throw new Error(`role ${this.role}: fewer than two answers during the probe`);
    return { longestGapMs: longest / 1e6, beforeGap: this.answers[at - 1].value, afterGap: this.answers[at].value, answers: this.answers.length };
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const reply = await this.bus.request(this.role, GetMostRecentEntry, { dataPoint: 'probe' }, MostRecentEntryReply, { timeoutMs: 250 });
        this.answers.push({ atNs: nowNs(), value: Number(reply.entry?.value ?? -1) });
      } catch {
        // No holder, a holder that left, a timeout: the role is unavailable; ask again shortly.
        await sleep(2);
      }
    }
  }
}
