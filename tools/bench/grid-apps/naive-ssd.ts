/**
 * The naive baseline of switch state detection (no public peer exists):
 * the recorded states checked without hypotheses, one MP at a time.
 *   - An MP that is fed under the recorded states but reads (almost) zero
 *     all day: the nearest recorded-closed switch above it is flagged
 *     "actually open".
 *   - An MP that is unfed under the recorded states but reads power: the
 *     first recorded-open switch on its way to the transformer (with every
 *     switch closed) is flagged "actually closed".
 * It sees a whole branch that lost its feed, or one fed against the
 * record; it cannot see a reconfiguration (everything still fed, by
 * another way) — which is what the hypothesis search of core/grid/ssd is for.
 */
import type { GridNetwork } from '../../../core/grid/network.js';
import type { AlignedProfile } from '../../../core/grid/profiles/api.js';
import type { SwitchFinding } from '../../../core/grid/ssd/api.js';
import { buildTopology } from '../../../core/grid/topology/topology.js';

/** Below this mean absolute power (kW) an MP "reads zero". */
const ZERO_KW = 0.05;

export function naiveVerify(network: GridNetwork, profiles: readonly AlignedProfile[]): SwitchFinding[] {
  const recorded = buildTopology(network);
  const switches = network.elements.filter((element) => element.kind === 'switch');
  const allClosed = buildTopology(network, { switchStates: new Map(switches.map((element) => [element.id, false])) });
  const recordedOpen = new Map(switches.map((element) => [element.id, element.open === true]));
  const flagged = new Set<string>();
  const byId = new Map(profiles.map((profile) => [profile.id, profile]));
  for (const point of network.monitoringPoints) {
    const profile = byId.get(point.id);
    if (profile === undefined) continue;
    let sum = 0;
    let count = 0;
    for (const v of profile.values) {
      if (v === v) {
        sum += Math.abs(v);
        count++;
      }
    }
    const readsZero = count === 0 || sum / count < ZERO_KW;
    // An MP on a switch recorded open should read nothing: the topology hangs the switch from its fed side.
    const fed = recorded.feeder(point.element) !== undefined && recordedOpen.get(point.element) !== true;
    if (fed && readsZero) {
      for (let at: string | undefined = point.element; at !== undefined; at = recorded.parent(at)) {
        if (recordedOpen.get(at) === false) {
          flagged.add(at);
          break;
        }
      }
    } else if (!fed && !readsZero) {
      for (let at: string | undefined = point.element; at !== undefined; at = allClosed.parent(at)) {
        if (recordedOpen.get(at) === true) {
          flagged.add(at);
          break;
        }
      }
    }
  }
  return switches.map((element) => {
    const open = recordedOpen.get(element.id)!;
    const consistent = !flagged.has(element.id);
    return {
      switchId: element.id,
      name: element.name,
      recordedOpen: open,
      supportedOpen: consistent ? open : !open,
      consistent,
      confidence: consistent ? 0.5 : 1,
      observable: true,
      equivalent: [],
    };
  });
}
