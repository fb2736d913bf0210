import type { AlignedProfile, ResidualTree } from './api.js';
import { ProfileError } from './api.js';
import { residualProfile, residualProfileInPlace } from './residual.js';
import { SlotArrayPool } from './slot-array-pool.js';

export interface ResidualCollectorOptions {
  /**
   * The collector may overwrite and keep the arrays of the profiles it is
   * given: true only when nobody else holds them and they come straight
   * from alignProfile (NaN exactly where GAP), as in residualPipeline.
   * Each residual then takes over its parent's arrays instead of copying
   * them (see residualProfileInPlace), and inputs still needed after that
   * are kept as copies in arrays recycled within the collector. Same
   * results; far less fresh memory. Default false: the inputs are left
   * untouched.
   */
  readonly ownsInputs?: boolean;
}

/**
 * Gathers aligned profiles arriving in any order and computes each
 * parent's residual as soon as the parent and all its children are in.
 * A profile is held only until every residual that needs it is computed,
 * so memory follows what is still awaited, not the whole feeder.
 * The state behind the `residuals` operator; one instance per subscription.
 */
export class ResidualCollector {
  /** For each input id, the parents whose residual needs it (a parent needs itself). */
  private readonly neededBy = new Map<string, string[]>();
  /** For each parent not yet computed, how many of its inputs are still to come. */
  private readonly awaiting = new Map<string, number>();
  /** For each held input, how many residuals still need it. */
  private readonly usesLeft = new Map<string, number>();
  private readonly held = new Map<string, AlignedProfile>();
  private readonly arrived = new Set<string>();
  private readonly ownsInputs: boolean;
  /** Arrays of owned inputs that no residual returned; only used when ownsInputs. */
  private readonly spare = new SlotArrayPool();

  constructor(
    private readonly tree: ResidualTree,
    options: ResidualCollectorOptions = {},
  ) {
    this.ownsInputs = options.ownsInputs ?? false;
    for (const [parent, children] of tree) {
      const seen = new Set<string>();
      for (const child of children) {
        if (child === parent) throw new ProfileError(`residuals: monitoring point "${parent}" is listed as its own child`);
        if (seen.has(child)) throw new ProfileError(`residuals: monitoring point "${parent}" lists child "${child}" twice`);
        seen.add(child);
      }
      this.awaiting.set(parent, children.length + 1);
      for (const input of [parent, ...children]) {
        const parents = this.neededBy.get(input);
        if (parents) parents.push(parent);
        else this.neededBy.set(input, [parent]);
        this.usesLeft.set(input, (this.usesLeft.get(input) ?? 0) + 1);
      }
    }
  }

  /** Every id the tree needs (parents and children): the profiles worth aligning. */
  get inputIds(): ReadonlySet<string> {
    return new Set(this.neededBy.keys());
  }

  /** Takes one profile; returns the residuals it completes (none, one, or several when it is a child of several parents). */
  accept(profile: AlignedProfile): AlignedProfile[] {
    const parents = this.neededBy.get(profile.id);
    if (!parents) return []; // not in the tree
    if (this.arrived.has(profile.id)) throw new ProfileError(`residuals: profile "${profile.id}" arrived twice`);
    this.arrived.add(profile.id);
    this.held.set(profile.id, profile);
    const completed: AlignedProfile[] = [];
    for (const parent of parents) {
      const left = (this.awaiting.get(parent) ?? 0) - 1;
      if (left > 0) {
        this.awaiting.set(parent, left);
        continue;
      }
      this.awaiting.delete(parent);
      completed.push(this.compute(parent));
    }
    return completed;
  }

  /** Throws when some residual is still waiting for inputs (called when the source completes). */
  finish(): void {
    if (this.awaiting.size === 0) return;
    const missing: string[] = [];
    for (const parent of this.awaiting.keys()) {
      const inputs = [parent, ...(this.tree.get(parent) ?? [])].filter((id) => !this.arrived.has(id));
      missing.push(`"${parent}" lacks ${inputs.map((id) => `"${id}"`).join(', ')}`);
    }
    throw new ProfileError(
      `residuals: the profiles ended before ${this.awaiting.size} residual(s) could be computed: ${missing.join('; ')}`,
    );
  }

  private compute(parent: string): AlignedProfile {
    const childIds = this.tree.get(parent) ?? [];
    if (!this.ownsInputs) return residualProfile(this.take(parent), childIds.map((id) => this.take(id)));
    const children = childIds.map((id) => this.take(id));
    const residual = residualProfileInPlace(this.takeToOverwrite(parent), children);
    // Children whose last use this was: their arrays are no residual's (see takeToOverwrite), so they are recycled.
    for (let c = 0; c < childIds.length; c++) {
      if (!this.held.has(childIds[c])) this.spare.release(children[c].values, children[c].quality);
    }
    return residual;
  }

  /** The held profile, released once no residual needs it any more. */
  private take(id: string): AlignedProfile {
    const profile = this.held.get(id);
    if (!profile) throw new Error(`residuals: profile "${id}" was released before its last use`); // a bug here, not in the input
    const left = (this.usesLeft.get(id) ?? 0) - 1;
    if (left > 0) this.usesLeft.set(id, left);
    else {
      this.usesLeft.delete(id);
      this.held.delete(id);
    }
    return profile;
  }

  /**
   * The parent's profile for its residual to be computed in place. When a
   * residual further up still needs the parent, a copy in spare arrays is
   * held for it instead, so the arrays handed out with a residual are never
   * read or written here again.
   */
  private takeToOverwrite(parent: string): AlignedProfile {
    const profile = this.take(parent);
    if (this.held.has(parent)) {
      const values = this.spare.values(profile.values.length);
      const quality = this.spare.quality(profile.quality.length);
      values.set(profile.values);
      quality.set(profile.quality);
      this.held.set(parent, { ...profile, values, quality });
    }
    return profile;
  }
}
