/**
 * `gridlink cim inspect` through the compiled CLI (node bin/gridlink.js,
 * `npm run build` first), on the shared sample grids.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CimInspection } from '../../tools/cli/commands/cim.js';
import { sharedData } from '../support/shared-data.js';
import { assertCliBuilt, runCli } from './helpers.js';

const nodeBreaker = sharedData('cimpy_sample_grid_switches', 'node_breaker');
const simbench = sharedData('simbench_lv_rural1_cim', 'cgmes3_0');
const scratch = mkdtempSync(join(tmpdir(), 'gridlink-cim-cli-'));

beforeAll(() => assertCliBuilt());
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Breakers the SSH file states open, by id, read with a regular expression apart from the importer. */
function openInSsh(): Set<string> {
  const ssh = readdirSync(nodeBreaker).find((name) => name.includes('_SSH_'))!;
  const text = readFileSync(join(nodeBreaker, ssh), 'utf8');
  return new Set([...text.matchAll(/rdf:about="#_([^"]+)">\s*<cim:Switch\.open>true</g)].map((match) => match[1]));
}

test('--json on the node-breaker sample: the open switches of the SSH file, 4 islands, counts', async () => {
  const result = await runCli(['cim', 'inspect', nodeBreaker, '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const report = JSON.parse(result.stdout) as CimInspection;
  expect(report.modelKind).toBe('node-breaker');
  expect(report.files).toHaveLength(6);
  expect(report.connectivityNodes).toBe(12);
  expect(report.countsByClass.Breaker).toBe(10);
  expect(report.switches.total).toBe(10);
  expect(new Set(report.switches.open.map((open) => open.id))).toEqual(openInSsh());
  expect(report.switches.open.map((open) => open.name).sort()).toEqual(['Breaker2', 'Breaker6', 'Breaker7', 'Breaker8', 'Breaker9']);
  expect(report.islands).toHaveLength(4);
  expect(report.islands.reduce((sum, island) => sum + island.nodes, 0)).toBe(12);
  expect(report.islands.every((island) => island.root === null && island.radial)).toBe(true);
  expect(report.problems.map((problem) => problem.kind)).toEqual(['no-feeder-root']);
  // Breakers hang between nodes: each island's node-to-node hops are fewer than its nodes.
  expect(report.islands.every((island) => island.maxNodeHops < island.nodes && island.maxNodeHops >= 0)).toBe(true);
});

test('text on SimBench LV1.101: the island lines, rooted at the transformer, and the source', async () => {
  const result = await runCli(['cim', 'inspect', simbench]);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Islands: \d+$/m);
  // The LV feeder: the transformer's island holds the 14 LV nodes; its deepest element (a load 5 node hops out) is 12 links below the transformer.
  expect(result.stdout).toMatch(/^ {2}island 1: root MV1\.101-LV1\.101-Trafo 1 \(PowerTransformer [0-9a-f-]+\), \d+ elements \(14 nodes\), radial, max depth 12 links \(5 node-to-node hops\)$/m);
  expect(result.stdout).toContain('Sources: 1\n  MV1.101 grid at LV1.101 (ExternalNetworkInjection');
  expect(result.stdout).toMatch(/^ {2}ConformLoad +28$/m);
  expect(result.stdout).toContain('Problems: 0');
});

test('malformed XML: exit 2 and file:line:column on stderr', async () => {
  const file = join(scratch, 'broken_EQ.xml');
  writeFileSync(file, '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cim="http://iec.ch/TC57/CIM100#">\n  <cim:Breaker rdf:ID=_b1/>\n</rdf:RDF>\n');
  const result = await runCli(['cim', 'inspect', file]);
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain(`${file}:3:23: Unquoted attribute value`);
});

test('an unreadable path: exit 1 naming it', async () => {
  const missing = join(scratch, 'no-such-model');
  const result = await runCli(['cim', 'inspect', missing]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(missing);
});

test('cim inspect --help: exit 0 with examples', async () => {
  const result = await runCli(['cim', 'inspect', '--help']);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('Examples:');
  expect(result.stdout).toContain('--json');
});
