/**
 * Row 1 of `npm run bench:grid-model`: CIM RDF/XML parse rate, in MB
 * (10^6 bytes) of files per second. Ours: importCim (core/grid/cim), which
 * builds the merged object model and the GridNetwork; the peer:
 * cim_peer.py, lxml's iterparse into a merged id → {class, properties}
 * dictionary (less work than ours: no network). Each set is timed on its
 * own (warm-up, then the median); a row's rate is its sets' bytes over the
 * sum of their medians, so the big simulated feeder dominates the first row.
 */
import { importCim } from '../../../core/grid/cim/import.js';
import { count, type GridModelPlan } from './plan.js';
import { hasLxml, runPythonPeer } from './python.js';
import { publicCimSets, simulatedCimSet, type CimSet } from './cim-sets.js';
import { medianMs } from './timing.js';
import { feederOf, workDir } from './workspace.js';

export type CimRow = 'cimAll' | 'cimPublic';

let simulated: Promise<CimSet> | undefined;

/** The simulated feeder's EQ + SSH files, written once per run. */
function simulatedSet(plan: GridModelPlan): Promise<CimSet> {
  simulated ??= (async () => {
    const feeder = feederOf(plan.cimElements, Math.round(plan.cimElements / 25));
    const name = `simulated feeder, ${count(feeder.network.elements.length)} elements`;
    return simulatedCimSet(name, feeder.network, workDir(), 1);
  })();
  return simulated;
}

async function setsOf(plan: GridModelPlan, log: (message: string) => void): Promise<{ publicSets: CimSet[]; all: CimSet[] }> {
  const { sets: publicSets, missing } = publicCimSets();
  for (const line of missing) log(`n/a: ${line}`);
  return { publicSets, all: [...publicSets, await simulatedSet(plan)] };
}

/** MB/s of the sets named, from the seconds each took. */
function rate(sets: readonly CimSet[], seconds: ReadonlyMap<string, number>): number | undefined {
  if (sets.length === 0) return undefined;
  let bytes = 0;
  let total = 0;
  for (const set of sets) {
    const s = seconds.get(set.name);
    if (s === undefined) throw new Error(`no time for ${set.name}`);
    bytes += set.bytes;
    total += s;
  }
  return bytes / 1e6 / total;
}

function rows(publicSets: CimSet[], all: CimSet[], seconds: ReadonlyMap<string, number>, log: (message: string) => void): Partial<Record<CimRow, number>> {
  for (const set of all) {
    const s = seconds.get(set.name)!;
    log(`${set.name}: ${count(set.bytes)} B in ${(s * 1000).toFixed(2)} ms = ${(set.bytes / 1e6 / s).toFixed(1)} MB/s`);
  }
  return { cimAll: rate(all, seconds), cimPublic: rate(publicSets, seconds) };
}

export async function cimOurs(plan: GridModelPlan, log: (message: string) => void): Promise<Partial<Record<CimRow, number>>> {
  const { publicSets, all } = await setsOf(plan, log);
  const seconds = new Map<string, number>();
  for (const set of all) {
    let objects = 0;
    const ms = await medianMs(plan.cimRuns, async () => {
      objects = (await importCim(set.files)).model.objects.size;
    });
    seconds.set(set.name, ms / 1000);
    log(`${set.name}: ${count(objects)} objects`);
  }
  return rows(publicSets, all, seconds, log);
}

export async function cimPython(plan: GridModelPlan, log: (message: string) => void): Promise<Partial<Record<CimRow, number>>> {
  const { publicSets, all } = await setsOf(plan, log);
  if (!hasLxml()) log('lxml missing: the stdlib xml.etree.ElementTree is measured instead');
  const result = await runPythonPeer({
    script: 'cim_peer.py',
    label: 'lxml-cim',
    workDir: workDir(),
    spec: { runs: plan.cimRuns, sets: all.map((set) => ({ name: set.name, files: set.files })) },
  });
  const seconds = new Map<string, number>();
  const reported = Array.isArray(result.sets) ? (result.sets as unknown[]) : [];
  for (const entry of reported) {
    const { name, seconds: s, objects } = entry as { name?: unknown; seconds?: unknown; objects?: unknown };
    if (typeof name === 'string' && typeof s === 'number' && s > 0) {
      seconds.set(name, s);
      log(`${name}: ${String(objects)} objects (${String(result.library)})`);
    }
  }
  return rows(publicSets, all, seconds, log);
}
