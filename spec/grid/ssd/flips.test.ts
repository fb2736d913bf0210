/**
 * The simulator's recorded-vs-actual flips (tools/simulate/flips.ts) through a whole run
 * (runSimulation to CSV files): the SSH file records the flipped states, the CIM import reads
 * them back, feeder.json lists actual vs recorded, the profiles follow the actual states
 * (buildings behind a switch that is actually open read 0), and a run without flips is unchanged.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCim } from '../../../core/grid/cim/import.js';
import { csvSink, parseProfileCsv } from '../../../tools/simulate/csv-sink.js';
import { generateFeeder } from '../../../tools/simulate/feeder.js';
import { applyFlips, FlipError } from '../../../tools/simulate/flips.js';
import { runSimulation, type SimulationOptions } from '../../../tools/simulate/simulation.js';

const root = mkdtempSync(join(tmpdir(), 'gridlink-ssd-flips-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BASE: Partial<SimulationOptions> = { buildings: 60, switches: 12, monitoringPoints: 8, days: 0.25, seed: 3 };

interface Truth {
  flips?: { switchId: string; name: string; kind: string; recordedOpen: boolean; actualOpen: boolean; pairedWith?: string }[];
  buildings: { id: string; dataPoint: string; fed?: boolean; monitoringPoint: string }[];
  monitoringPoints: { id: string; element: string; dataPoint: string; buildings: string[] }[];
}

async function run(name: string, options: Partial<SimulationOptions>): Promise<{ dir: string; truth: Truth }> {
  const dir = join(root, name);
  await runSimulation(options, dir, csvSink(join(dir, 'profiles')));
  return { dir, truth: JSON.parse(readFileSync(join(dir, 'feeder.json'), 'utf8')) as Truth };
}

describe('simulated flips', () => {
  it('records the flipped states in the CIM files and makes the profiles under the actual ones', async () => {
    const { dir, truth } = await run('open', { ...BASE, flipSwitches: ['Switch 2'] });
    expect(truth.flips).toHaveLength(1);
    const flip = truth.flips![0]!;
    expect(flip).toMatchObject({ name: 'Switch 2', kind: 'actually-open', recordedOpen: false, actualOpen: true });
    const imported = await importCim([join(dir, 'feeder_EQ.xml'), join(dir, 'feeder_SSH.xml')]);
    expect(imported.network.elements.find((element) => element.id === flip.switchId)?.open).toBe(false);
    const unfed = truth.buildings.filter((building) => building.fed === false);
    expect(unfed.length).toBeGreaterThan(0);
    for (const building of unfed) {
      const profile = parseProfileCsv(readFileSync(join(dir, 'profiles', `${building.dataPoint}.csv`), 'utf8'));
      expect(profile.values.every((value) => value === 0)).toBe(true);
      expect(building.monitoringPoint).toBe('');
    }
    // The point on the switch measures nothing; the buildings below the others follow the actual tree.
    const onSwitch = truth.monitoringPoints.find((point) => point.element === flip.switchId);
    if (onSwitch !== undefined) expect(onSwitch.buildings).toEqual([]);
    const fedIds = new Set(truth.buildings.filter((building) => building.fed !== false).map((building) => building.id));
    expect(truth.monitoringPoints[0]!.buildings.sort()).toEqual([...fedIds].sort());
  });

  it('draws flips of every kind from the seed, the same for the same seed', async () => {
    const kinds = new Set<string>();
    for (const seed of [2, 3, 4, 5, 6, 8]) {
      for (const count of [1, 2]) {
        let flipped;
        try {
          flipped = applyFlips(generateFeeder({ ...BASE, seed }), { count });
        } catch (error) {
          expect(error).toBeInstanceOf(FlipError);
          continue;
        }
        expect(flipped.flips).toHaveLength(count);
        for (const flip of flipped.flips) {
          kinds.add(flip.kind);
          expect(flip.recordedOpen).toBe(!flip.actualOpen);
          expect(flipped.recorded.elements.find((element) => element.id === flip.switchId)?.open).toBe(flip.recordedOpen);
          expect(flipped.actual.network.elements.find((element) => element.id === flip.switchId)?.open).toBe(flip.actualOpen);
        }
        const again = applyFlips(generateFeeder({ ...BASE, seed }), { count });
        expect(again.flips).toEqual(flipped.flips);
      }
    }
    expect([...kinds].sort()).toEqual(['actually-closed', 'actually-open', 'reconfiguration']);
  });

  it('keeps a run without flips as it was, and refuses a switch it does not know', async () => {
    const plain = applyFlips(generateFeeder(BASE), {});
    expect(plain.flips).toEqual([]);
    expect(plain.recorded).toBe(plain.actual.network);
    const { truth } = await run('none', BASE);
    expect(truth.flips).toBeUndefined();
    expect(() => applyFlips(generateFeeder(BASE), { switchNames: ['Switch 99'] })).toThrow(/no switch is named "Switch 99"/);
  });
});
