/**
 * The app of `npm run bench:provision`: one link of a dependency chain. It
 * serves GetMostRecentEntry on the role its settings name (each package of
 * the chain gives another role), counting the requests; the count is its
 * state, saved on shutdown and restored by the next version (the handoff the
 * upgrade row measures). Packed several times with different manifests.
 */
import { Module, type Declarations } from '../../../../../core/actor/index.js';
import { GetMostRecentEntry, type MostRecentEntryReply } from '../../../../../schemas/generated/messages.js';

interface LinkSettings {
  /** The role this link holds, e.g. "bench-d". */
  role: string;
}

export default class Link extends Module<LinkSettings> {
  static override info = { name: 'bench-link', version: '1.0.0', description: 'bench:provision app: a link of a dependency chain' };
  static override defaults: Record<string, unknown> = { role: 'bench-link' } satisfies LinkSettings;

  private served = 0;

  override declare(on: Declarations): void {
    on.role(this.config.role).on(GetMostRecentEntry, (request): MostRecentEntryReply => {
      this.served++;
      return { dataPoint: request.dataPoint, entry: { timestampMs: Date.now(), value: this.served } };
    });
  }

  override restoreState(state: unknown): void {
    const served = (state as { served?: unknown } | undefined)?.served;
    if (typeof served === 'number') this.served = served;
  }

  override saveState(): unknown {
    return { served: this.served };
  }
}
