/**
 * A whole simulation run into files (tools/simulate/simulation.ts with the
 * CSV sink): the same seed writes byte-identical files, another seed other
 * files; the CSV profiles read back; the CIM writer escapes what XML needs.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as SaxModule from 'sax';
import { afterAll, describe, expect, it } from 'vitest';
import { importCim } from '../../core/grid/cim/import.js';
import type { GridNetwork } from '../../core/grid/network.js';
import { writeCim } from '../../tools/simulate/cim-writer.js';
import { csvSink, parseProfileCsv } from '../../tools/simulate/csv-sink.js';
import { runSimulation, type SimulationOptions } from '../../tools/simulate/simulation.js';

const sax = createRequire(import.meta.url)('sax') as typeof SaxModule;
const root = mkdtempSync(join(tmpdir(), 'gridlink-sim-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (name: string, options: Partial<SimulationOptions>) => runSimulation(options, join(root, name), csvSink(join(root, name, 'profiles')));

/** Every file below a folder, relative path -> bytes. */
function filesOf(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(path.slice(dir.length + 1), readFileSync(path));
    }
  }
  return files;
}

describe('runSimulation', () => {
  const options: Partial<SimulationOptions> = { seed: 9, buildings: 15, switches: 4, monitoringPoints: 3, days: 1, gapRate: 0.05, gapMeanSamples: 5 };

  it('writes byte-identical files for the same seed and different ones for another seed', async () => {
    const first = await run('a', options);
    await run('b', options);
    await run('c', { ...options, seed: 10 });
    const a = filesOf(join(root, 'a'));
    const b = filesOf(join(root, 'b'));
    const c = filesOf(join(root, 'c'));
    expect([...a.keys()].sort()).toEqual(['feeder.json', 'feeder_EQ.xml', 'feeder_SSH.xml', ...Array.from({ length: 15 }, (_, i) => `profiles/feeder9.building${i + 1}.p.csv`), 'profiles/feeder9.mp1.p.csv', 'profiles/feeder9.mp2.p.csv', 'profiles/feeder9.mp3.p.csv'].sort());
    for (const [path, bytes] of a) expect(bytes.equals(b.get(path)!), path).toBe(true);
    for (const file of ['feeder.json', 'feeder_EQ.xml', 'feeder_SSH.xml']) expect(a.get(file)!.equals(c.get(file)!), file).toBe(false);
    expect(a.get('profiles/feeder9.building1.p.csv')!.equals(c.get('profiles/feeder10.building1.p.csv')!)).toBe(false);
    expect(first).toMatchObject({ seed: 9, buildings: 15, monitoringPoints: 3, samplesPerProfile: 1440 });
    expect(first.files).toHaveLength(3 + 18);
  });

  it('writes profiles with the asked gaps and the ground truth in feeder.json', async () => {
    const dir = join(root, 'a');
    const truth = JSON.parse(readFileSync(join(dir, 'feeder.json'), 'utf8')) as {
      buildings: { dataPoint: string; monitoringPoint: string }[];
      monitoringPoints: { id: string; dataPoint: string; buildings: string[] }[];
      grid: { samples: number; stepMs: number; startMs: number };
      options: { seed: number; gapRate: number };
    };
    expect(truth.options).toMatchObject({ seed: 9, gapRate: 0.05 });
    expect(truth.buildings).toHaveLength(15);
    const mpIds = new Set(truth.monitoringPoints.map((point) => point.id));
    for (const building of truth.buildings) expect(mpIds.has(building.monitoringPoint)).toBe(true);
    let entries = 0;
    for (const point of [...truth.buildings, ...truth.monitoringPoints]) {
      const series = parseProfileCsv(readFileSync(join(dir, 'profiles', `${point.dataPoint}.csv`), 'utf8'));
      entries += series.values.length;
      expect(series.values.length).toBe(Math.round(truth.grid.samples * 0.95));
      expect(series.timestamps[0]).toBeGreaterThanOrEqual(truth.grid.startMs);
      expect((series.timestamps[1]! - truth.grid.startMs) % truth.grid.stepMs).toBe(0);
      expect(series.values.every(Number.isFinite)).toBe(true);
    }
    expect(entries).toBe(18 * Math.round(1440 * 0.95));
    // The CIM files import to the feeder the truth describes.
    const imported = await importCim([join(dir, 'feeder_EQ.xml'), join(dir, 'feeder_SSH.xml')]);
    expect(imported.problems).toEqual([]);
    expect(imported.network.monitoringPoints.map((point) => point.name).sort()).toEqual(truth.monitoringPoints.map((point) => point.dataPoint).sort());
  });
});

describe('writeCim', () => {
  it('escapes names and keeps the XML well-formed', async () => {
    const awkward = `Trafo <1> & "Süd" 'Ost'`;
    const network: GridNetwork = {
      elements: [
        { id: 'n1', name: 'HV', kind: 'node', cimClass: 'ConnectivityNode', nominalKv: 20 },
        { id: 'n2', name: 'LV & co', kind: 'node', cimClass: 'ConnectivityNode', nominalKv: 0.4 },
        { id: 't1', name: awkward, kind: 'transformer', cimClass: 'PowerTransformer', lowVoltageNode: 'n2' },
        { id: 'c1', name: '<Building>', kind: 'consumer', cimClass: 'EnergyConsumer', nominalKv: 0.4 },
      ],
      links: [
        { equipment: 't1', node: 'n1', terminal: 't1-1', sequence: 1 },
        { equipment: 't1', node: 'n2', terminal: 't1-2', sequence: 2 },
        { equipment: 'c1', node: 'n2', terminal: 'c1-1', sequence: 1 },
      ],
      monitoringPoints: [{ id: 'm1', name: 'MP & 1', element: 't1', dataPoint: 'a&b.p' }],
    };
    const eqPath = join(root, 'escape_EQ.xml');
    const sshPath = join(root, 'escape_SSH.xml');
    await writeCim(network, { eqPath, sshPath, seed: 1, scenarioTimeMs: 0, description: 'x < y' });
    const names: string[] = [];
    for (const path of [eqPath, sshPath]) {
      const parser = sax.parser(true, {});
      let inName = false;
      parser.onopentag = (tag) => (inName = tag.name === 'cim:IdentifiedObject.name');
      parser.onclosetag = () => (inName = false);
      parser.ontext = (text) => {
        if (inName) names.push(text);
      };
      parser.write(readFileSync(path, 'utf8')).close();
    }
    expect(names).toEqual(expect.arrayContaining([awkward, 'LV & co', '<Building>', 'a&b.p']));
    const imported = await importCim([eqPath, sshPath]);
    expect(imported.network.elements.find((element) => element.id === 't1')?.name).toBe(awkward);
    expect(imported.network.monitoringPoints).toEqual([expect.objectContaining({ id: 'm1', element: 't1', name: 'a&b.p' })]);
  });
});
