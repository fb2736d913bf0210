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

/*
 * The residual passes: to = from − a − b − c slot by slot, each a separate
 * subtraction in that order (so the result is the same to the bit as one
 * pass per child), the quality the worst of all inputs, and NaN and GAP
 * made to coincide. `to` may be `from`. Up to three children share one
 * pass because each pass streams the parent's 9 bytes per slot through
 * memory once more; written out per child count so that the loops carry
 * no branches on it.
 */

function settle(fromValues: Float64Array, fromQuality: Uint8Array, values: Float64Array, quality: Uint8Array): void {
  for (let k = 0; k < values.length; k++) {
    const v = fromValues[k];
    const q = fromQuality[k];
    if (q === Quality.GAP || v !== v) {
      values[k] = Number.NaN;
      quality[k] = Quality.GAP;
    } else {
      values[k] = v;
      quality[k] = q;
    }
  }
}

function minusOne(fromValues: Float64Array, fromQuality: Uint8Array, values: Float64Array, quality: Uint8Array, a: AlignedProfile): void {
  const av = a.values;
  const aq = a.quality;
  for (let k = 0; k < values.length; k++) {
    const v = fromValues[k] - av[k];
    let q = fromQuality[k];
    if (aq[k] > q) q = aq[k];
    if (q === Quality.GAP || v !== v) {
      values[k] = Number.NaN;
      quality[k] = Quality.GAP;
    } else {
      values[k] = v;
      quality[k] = q;
    }
  }
}

function minusTwo(
  fromValues: Float64Array,
  fromQuality: Uint8Array,
  values: Float64Array,
  quality: Uint8Array,
  a: AlignedProfile,
  b: AlignedProfile,
): void {
  const av = a.values;
  const aq = a.quality;
  const bv = b.values;
  const bq = b.quality;
  for (let k = 0; k < values.length; k++) {
    const v = fromValues[k] - av[k] - bv[k];
    let q = fromQuality[k];
    if (aq[k] > q) q = aq[k];
    if (bq[k] > q) q = bq[k];
    if (q === Quality.GAP || v !== v) {
      values[k] = Number.NaN;
      quality[k] = Quality.GAP;
    } else {
      values[k] = v;
      quality[k] = q;
    }
  }
}

function minusThree(
  fromValues: Float64Array,
  fromQuality: Uint8Array,
  values: Float64Array,
  quality: Uint8Array,
  a: AlignedProfile,
  b: AlignedProfile,
  c: AlignedProfile,
): void {
  const av = a.values;
  const aq = a.quality;
  const bv = b.values;
  const bq = b.quality;
  const cv = c.values;
  const cq = c.quality;
  for (let k = 0; k < values.length; k++) {
    const v = fromValues[k] - av[k] - bv[k] - cv[k];
    let q = fromQuality[k];
    if (aq[k] > q) q = aq[k];
    if (bq[k] > q) q = bq[k];
    if (cq[k] > q) q = cq[k];
    if (q === Quality.GAP || v !== v) {
      values[k] = Number.NaN;
      quality[k] = Quality.GAP;
    } else {
      values[k] = v;
      quality[k] = q;
    }
  }
}

/** values/quality = the parent's minus the children's (see the passes above); they may be the parent's own arrays. */
function subtractChildren(
  parent: AlignedProfile,
  values: Float64Array,
  quality: Uint8Array,
  children: readonly AlignedProfile[],
): void {
  let fromValues = parent.values;
  let fromQuality = parent.quality;
  let c = 0;
  do {
    const left = children.length - c;
    if (left >= 3) minusThree(fromValues, fromQuality, values, quality, children[c], children[c + 1], children[c + 2]);
    else if (left === 2) minusTwo(fromValues, fromQuality, values, quality, children[c], children[c + 1]);
    else if (left === 1) minusOne(fromValues, fromQuality, values, quality, children[c]);
    else settle(fromValues, fromQuality, values, quality);
    c += Math.min(left, 3);
    fromValues = values;
    fromQuality = quality;
  } while (c < children.length);
}

/** Refuses a parent among its own children, a child listed twice and inputs on different grids. */
function checkResidualInputs(parent: AlignedProfile, children: readonly AlignedProfile[]): void {
  const what = `residual of "${parent.id}"`;
  checkSameGrid(parent, parent, `${what}: parent`);
  const seen = new Set<string>();
  for (const child of children) {
    if (child.id === parent.id) throw new ProfileError(`${what}: the parent is listed among its own children`);
    if (seen.has(child.id)) throw new ProfileError(`${what}: child "${child.id}" is listed twice`);
    seen.add(child.id);
    checkSameGrid(parent, child, `${what}: child`);
  }
}

/**
 * The residual of a monitoring point: parent − Σ children, slot by slot,
 * with the parent's id and grid. A slot's quality is the worst among its
 * inputs (GAP if the parent or any child is GAP there, and then NaN; else
 * INTERPOLATED if any of them was interpolated). Any NaN that reaches the
 * result is flagged GAP as well, so NaN and GAP always coincide.
 *
 * One pass over the parent per three children (at least one); the children
 * are subtracted in the order given.
 */
export function residualProfile(parent: AlignedProfile, children: readonly AlignedProfile[]): AlignedProfile {
  checkResidualInputs(parent, children);
  const values = new Float64Array(parent.values.length);
  const quality = new Uint8Array(parent.quality.length);
  subtractChildren(parent, values, quality, children);
  return { id: parent.id, startMs: parent.startMs, stepMs: parent.stepMs, values, quality };
}

/**
 * residualProfile computed in the parent's own arrays, which the result
 * takes over: the parent is destroyed. Only for callers that own the
 * parent and need it no more (the pipeline's collector, at the parent's
 * last use): it saves a fresh pair of arrays per residual, and fresh
 * memory (zeroing, page faults, garbage collection) costs more than the
 * subtraction itself. The result is the same to the bit, provided that
 * NaN and GAP already coincide in the parent, as in alignProfile's output:
 * a parent without children is then its own residual and no pass is made.
 */
export function residualProfileInPlace(parent: AlignedProfile, children: readonly AlignedProfile[]): AlignedProfile {
  checkResidualInputs(parent, children);
  if (children.length > 0) subtractChildren(parent, parent.values, parent.quality, children);
  return { id: parent.id, startMs: parent.startMs, stepMs: parent.stepMs, values: parent.values, quality: parent.quality };
}
