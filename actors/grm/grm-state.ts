// What the GRM hands from one run to the next: the switch states set at run time (SetSwitchState,
// SwitchChanged), re-applied over every loaded topology, and the topology version, so it keeps
// counting up across restarts. Written to the module's state file (core/actor/state-store.ts) at
// every change, not only at an accepted shutdown: a switch operation must survive a kill -9.

import type { StateStore } from '../../core/actor/state-store.js';
import type { Logger } from '../../core/log/logger.js';
import type { FeederTopology } from '../../core/grid/topology/api.js';

interface SavedState {
  version: number;
  /** Switch id → open, in the order they were set. */
  switches: Record<string, boolean>;
}

export class GrmState {
  private versionCount = 0;
  private readonly switches = new Map<string, boolean>();

  constructor(private readonly store: StateStore, private readonly log: Logger) {}

  get version(): number {
    return this.versionCount;
  }

  /** The switch states set at run time, by id. */
  get switchStates(): ReadonlyMap<string, boolean> {
    return this.switches;
  }

  /** Takes what the last run saved; anything malformed is logged and left out. */
  restore(saved: unknown): void {
    if (saved === null || typeof saved !== 'object') return;
    const state = saved as Partial<SavedState>;
    if (typeof state.version === 'number' && Number.isInteger(state.version) && state.version >= 0) this.versionCount = state.version;
    if (state.switches !== null && typeof state.switches === 'object') {
      for (const [id, open] of Object.entries(state.switches)) {
        if (typeof open === 'boolean') this.switches.set(id, open);
        else this.log.warn('saved switch state ignored: not true or false', { switchId: id });
      }
    }
  }

  /** A new topology version (a load or a change); saved at once. */
  nextVersion(): number {
    this.versionCount++;
    this.save();
    return this.versionCount;
  }

  /** Remembers a switch state set at run time; saved at once. */
  recordSwitch(id: string, open: boolean): void {
    // Re-inserted so the map keeps the order of the last setting.
    this.switches.delete(id);
    this.switches.set(id, open);
    this.save();
  }

  /**
   * Sets every remembered switch on a freshly loaded topology. Returns the remembered ids the
   * topology does not know (another grid, a switch removed from the CIM): kept, in case the
   * next load has them again.
   */
  applyTo(topology: FeederTopology, isSwitch: (id: string) => boolean): { applied: number; unknown: string[] } {
    let applied = 0;
    const unknown: string[] = [];
    for (const [id, open] of this.switches) {
      if (!topology.has(id) || !isSwitch(id)) {
        unknown.push(id);
        continue;
      }
      if (topology.setSwitch(id, open).changed) applied++;
    }
    return { applied, unknown };
  }

  toSaved(): SavedState {
    return { version: this.versionCount, switches: Object.fromEntries(this.switches) };
  }

  save(): void {
    try {
      this.store.save(this.toSaved());
    } catch (error) {
      this.log.error('could not save the switch states', { file: this.store.path, error: (error as Error).message });
    }
  }
}
