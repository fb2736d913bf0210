import type { AlignedProfile } from './api.js';
import { ProfileError, ProfileGridMismatchError, Quality } from './api.js';
import { describeInstant } from './checks.js';

function describeGrid(profile: AlignedProfile): string {
  return `start ${describeInstant(profile.startMs)}, step ${profile.stepMs} ms, ${profile.values.length} slots`;
}

/** Throws ProfileGridMismatchError unless `other` lies on the same grid as `reference`. */
export function checkSameGrid(reference: AlignedProfile, other: AlignedProfile, role: string): void {
  if (other.values.length !== other.quality.length) {
    throw new ProfileError(`${role} "${other.id}" has ${other.values.length} values but ${other.quality.length} quality codes`);
  }
  if (
    other.startMs !== reference.startMs ||
    other.stepMs !== reference.stepMs ||
    other.values.length !== reference.values.length
  ) {
    throw new ProfileGridMismatchError(
      `${role} "${other.id}" is on another grid (${describeGrid(other)}) than "${reference.id}" (${describeGrid(reference)})`,
      reference.id,
      other.id,
    );
  }
}

/** values −= child.values, quality = the worse of both, slot by slot. */
function subtract(values: Float64Array, quality: Uint8Array, child: AlignedProfile): void {
  const childValues = child.values;
  const childQuality = child.quality;
  for (let k = 0; k < values.length; k++) {
    values[k] -= childValues[k];
    const q = childQuality[k];
    if (q > quality[k]) quality[k] = q;
  }
}

/**
 * The residual of a monitoring point: parent − Σ children, slot by slot,
 * with the parent's id and grid. A slot's quality is the worst among its
 * inputs (GAP if the parent or any child is GAP there, and then NaN; else
 * INTERPOLATED if any of them was interpolated). Any NaN that reaches the
 * result is flagged GAP as well, so NaN and GAP always coincide.
 *
 * One pass over each input; the children are subtracted in the order given.
 */
export function residualProfile(parent: AlignedProfile, children: readonly AlignedProfile[]): AlignedProfile {
  const what = `residual of "${parent.id}"`;
  checkSameGrid(parent, parent, `${what}: parent`);
  const seen = new Set<string>();
  for (const child of children) {
    if (child.id === parent.id) throw new ProfileError(`${what}: the parent is listed among its own children`);
    if (seen.has(child.id)) throw new ProfileError(`${what}: child "${child.id}" is listed twice`);
    seen.add(child.id);
    checkSameGrid(parent, child, `${what}: child`);
  }

  const slots = parent.values.length;
  const values = parent.values.slice();
  const quality = parent.quality.slice();
  const last = children.length - 1;
  for (let c = 0; c < last; c++) subtract(values, quality, children[c]);
  // The last input's pass also makes NaN and GAP coincide, saving a pass of its own.
  const final = last >= 0 ? children[last] : undefined;
  const finalValues = final?.values;
  const finalQuality = final?.quality;
  for (let k = 0; k < slots; k++) {
    let v = values[k];
    let q = quality[k];
    if (finalValues !== undefined && finalQuality !== undefined) {
      v -= finalValues[k];
      const cq = finalQuality[k];
      if (cq > q) q = cq;
    }
    if (q === Quality.GAP || v !== v) {
      v = Number.NaN;
      q = Quality.GAP;
    }
    values[k] = v;
    quality[k] = q;
  }
  return { id: parent.id, startMs: parent.startMs, stepMs: parent.stepMs, values, quality };
}
