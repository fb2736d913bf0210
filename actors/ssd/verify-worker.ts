// The worker thread SSD verifies in (core/actor/worker.ts): a feeder with 50 switches tries
// about 1,300 hypotheses, which must not hold up the module's mailbox.

import { exposeToModule } from '../../core/actor/index.js';
import type { AlignedProfile } from '../../core/grid/profiles/api.js';
import type { GridNetwork } from '../../core/grid/network.js';
import type { SsdOptions, SsdVerdict } from '../../core/grid/ssd/api.js';
import { verifySwitches } from '../../core/grid/ssd/verify.js';

export interface SsdWorkerApi {
  verify(network: GridNetwork, profiles: readonly AlignedProfile[], options: SsdOptions): { verdict: SsdVerdict; tookMs: number };
}

const api: SsdWorkerApi = {
  verify(network, profiles, options) {
    const started = performance.now();
    const verdict = verifySwitches(network, profiles, options);
    return { verdict, tookMs: performance.now() - started };
  },
};
exposeToModule(api);
