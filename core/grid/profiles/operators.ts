import { EMPTY, Observable, concatMap, concatWith, defer, filter, map } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { AlignOptions, AlignedProfile, Profile, ResidualTree } from './api.js';
import { alignProfile, checkAlignOptions } from './align.js';
import { ResidualCollector } from './residual-collector.js';
import type { ResidualCollectorOptions } from './residual-collector.js';

/** Aligns each profile to the grid of `options` (see alignProfile); a bad profile ends the stream with its ProfileError. */
export function alignTo(options: AlignOptions): OperatorFunction<Profile, AlignedProfile> {
  return (source) =>
    defer(() => {
      checkAlignOptions(options);
      return source.pipe(map((profile) => alignProfile(profile, options)));
    });
}

/**
 * Emits one residual per parent of `tree`, as soon as the parent and all
 * its children have arrived, in whatever order they come. Profiles the
 * tree does not name are ignored. Errors (a malformed tree, a profile
 * arriving twice, grids that differ, the source ending while a residual
 * still lacks inputs) end the stream as a ProfileError; an error of the
 * source passes through unchanged.
 */
export function residuals(tree: ResidualTree): OperatorFunction<AlignedProfile, AlignedProfile> {
  return collectResiduals(tree, {});
}

function collectResiduals(tree: ResidualTree, options: ResidualCollectorOptions): OperatorFunction<AlignedProfile, AlignedProfile> {
  return (source) =>
    defer(() => {
      const collector = new ResidualCollector(tree, options);
      return source.pipe(
        concatMap((profile) => collector.accept(profile)),
        concatWith(
          defer(() => {
            collector.finish();
            return EMPTY;
          }),
        ),
      );
    });
}

/**
 * Measured profiles in, residual profiles out: drops the profiles the tree
 * does not need (so they are never aligned), aligns the rest to one grid
 * and computes the residuals.
 */
export function residualPipeline(
  profiles$: Observable<Profile>,
  options: AlignOptions,
  tree: ResidualTree,
): Observable<AlignedProfile> {
  return defer(() => {
    const needed = new ResidualCollector(tree).inputIds;
    return profiles$.pipe(
      filter((profile) => needed.has(profile.id)),
      alignTo(options),
      // The aligned profiles are this pipeline's own: their arrays can become the residuals'.
      collectResiduals(tree, { ownsInputs: true }),
    );
  });
}
