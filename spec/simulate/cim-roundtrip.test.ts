/**
 * "Import of its CIM gives back the same graph": the simulator's EQ and SSH
 * files through the project's CIM importer (core/grid/cim/import.ts) give the
 * generated network's elements (id, kind, open state), links and monitoring
 * points back, with no problem reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCim } from '../../core/grid/cim/import.js';
import type { GridNetwork } from '../../core/grid/network.js';
import { writeCim } from '../../tools/simulate/cim-writer.js';
import { generateFeeder, type FeederOptions } from '../../tools/simulate/feeder.js';

const dir = mkdtempSync(join(tmpdir(), 'gridlink-sim-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const elementsOf = (network: GridNetwork) => new Set(network.elements.map((element) => `${element.id} ${element.kind} ${element.kind === 'switch' ? String(element.open) : '-'}`));
const linksOf = (network: GridNetwork) => new Set(network.links.map((link) => `${link.equipment} ${link.node}`));

describe('CIM round trip through importCim', () => {
  for (const [label, options] of [
    ['a small feeder', { seed: 21, buildings: 30, switches: 8, monitoringPoints: 4, pvShare: 0.5 }],
    ['ConformLoad consumers, one branch per node', { seed: 22, buildings: 12, switches: 2, monitoringPoints: 2, branching: 1, consumerClass: 'ConformLoad' }],
    ['10,000 elements', { seed: 23, elements: 10_000, switches: 120, monitoringPoints: 12, branching: 4 }],
  ] as const satisfies readonly (readonly [string, Partial<FeederOptions>])[]) {
    it(`gives back the same graph: ${label}`, async () => {
      const feeder = generateFeeder(options);
      const eqPath = join(dir, `${options.seed}_EQ.xml`);
      const sshPath = join(dir, `${options.seed}_SSH.xml`);
      await writeCim(feeder.network, {
        eqPath,
        sshPath,
        seed: options.seed,
        scenarioTimeMs: Date.UTC(2026, 0, 5),
        measurementTerminals: new Map(feeder.monitoringPoints.map((point) => [point.id, point.terminal])),
      });
      const imported = await importCim([eqPath, sshPath]);
      expect(imported.problems).toEqual([]);
      expect(imported.modelKind).toBe('node-breaker');
      expect(imported.network.elements).toHaveLength(feeder.network.elements.length);
      expect(elementsOf(imported.network)).toEqual(elementsOf(feeder.network));
      expect(imported.network.links).toHaveLength(feeder.network.links.length);
      expect(linksOf(imported.network)).toEqual(linksOf(feeder.network));
      const importedById = new Map(imported.network.elements.map((element) => [element.id, element]));
      for (const element of feeder.network.elements) {
        const back = importedById.get(element.id)!;
        expect(back.name).toBe(element.name);
        expect(back.cimClass).toBe(element.cimClass);
        if (element.kind === 'line') expect(back.lengthKm).toBeCloseTo(element.lengthKm!, 9);
        if (element.kind === 'transformer') expect(back.lowVoltageNode).toBe(feeder.lowVoltageNode);
      }
      expect(new Set(imported.network.monitoringPoints.map((point) => `${point.id} ${point.element} ${point.name} ${point.measurementType}`))).toEqual(
        new Set(feeder.monitoringPoints.map((point) => `${point.id} ${point.element} ${point.dataPoint} ThreePhaseActivePower`)),
      );
    }, 30_000);
  }
});
