/**
 * The cimpy sample grid with switches (PowerFactory, CGMES 2.4.15, cim16):
 * node-breaker (ConnectivityNodes in the TP file) and bus-branch. Switch
 * states come from SSH; the expected ones are read from the SSH file here
 * with a regular expression, independently of the importer.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CimImport } from '../../../core/grid/cim/api.js';
import { importCim } from '../../../core/grid/cim/import.js';
import { normaliseId } from '../../../core/grid/cim/ids.js';
import { sharedData } from '../../support/shared-data.js';
import { nodeIslands } from './graph-oracle.js';

const nodeBreaker = sharedData('cimpy_sample_grid_switches', 'node_breaker');
const busBranch = sharedData('cimpy_sample_grid_switches', 'bus_branch');

function sshFile(folder: string): string {
  return join(folder, readdirSync(folder).find((name) => name.includes('_SSH_'))!);
}

/** Ids of the switches the SSH file states open: `<cim:X rdf:about="#_id"> <cim:Switch.open>true`. */
function openInSsh(folder: string): Set<string> {
  const text = readFileSync(sshFile(folder), 'utf8');
  const open = new Set<string>();
  for (const match of text.matchAll(/rdf:about="#_([^"]+)">\s*<cim:Switch\.open>true<\/cim:Switch\.open>/g)) open.add(match[1]);
  return open;
}

describe('node-breaker', () => {
  let result: CimImport;
  beforeAll(async () => {
    result = await importCim([nodeBreaker]);
  });

  test('reads all six profile files, 12 ConnectivityNodes as the nodes, 10 breakers', () => {
    expect(result.files.map((file) => file.split('_').at(-2))).toEqual(['DL', 'GL', 'SSH', 'SV', 'TP', 'EQ']);
    expect(result.modelKind).toBe('node-breaker');
    expect(result.model.countsByClass.get('ConnectivityNode')).toBe(12);
    expect(result.model.countsByClass.get('TopologicalNode')).toBe(12);
    const nodes = result.network.elements.filter((element) => element.kind === 'node');
    expect(nodes).toHaveLength(12);
    expect(nodes.every((node) => node.cimClass === 'ConnectivityNode')).toBe(true);
    const switches = result.network.elements.filter((element) => element.kind === 'switch');
    expect(switches).toHaveLength(10);
    expect(result.network.elements.filter((element) => element.kind === 'busbar')).toHaveLength(6);
    expect(result.network.elements.filter((element) => element.cimClass === 'Junction' && element.kind === 'other')).toHaveLength(6);
    expect(result.network.links).toHaveLength(38);
    // A CN defined in TP keeps its class although EQ, TP and SSH mention it in other roles.
    expect(result.model.objects.get(nodes[0].id)!.files.some((file) => file.includes('_TP_'))).toBe(true);
  });

  test('the open switches are exactly those the SSH file states open (5)', () => {
    const expected = openInSsh(nodeBreaker);
    expect(expected.size).toBe(5);
    const open = result.network.elements.filter((element) => element.kind === 'switch' && element.open === true).map((element) => element.id);
    expect(new Set(open)).toEqual(expected);
    // Here EQ agrees: the normally open ones are the open ones.
    const normallyOpen = result.network.elements.filter((element) => element.normalOpen === true).map((element) => element.id);
    expect(new Set(normallyOpen)).toEqual(expected);
  });

  test('4 islands with the SSH state, 1 with every switch closed', () => {
    expect(nodeIslands(result.network)).toHaveLength(4);
    expect(nodeIslands(result.network, { allClosed: true })).toHaveLength(1);
  });

  test('problems: only that there is no feeder root (the sample has no transformer and no source)', () => {
    expect(result.problems.map((problem) => problem.kind)).toEqual(['no-feeder-root']);
  });
});

describe('bus-branch', () => {
  /**
   * grid.md and the data's PROVENANCE count 3 islands here. Read on nodes
   * there are 4: Bus3 stands alone, because the reduction to bus-branch
   * dropped its breakers (Breaker2, Breaker8), which are open in the
   * node-breaker model. The 3 are the islands that hold a branch (a line or
   * a switch); the partition is the node-breaker one with the SSH state.
   */
  test('12 TopologicalNodes, 5 breakers (all closed), 3 islands with branches plus Bus3 alone, as in node-breaker', async () => {
    const result = await importCim([busBranch]);
    expect(result.modelKind).toBe('bus-branch');
    const byId = new Map(result.network.elements.map((element) => [element.id, element]));
    expect(result.network.elements.filter((element) => element.kind === 'node')).toHaveLength(12);
    const switches = result.network.elements.filter((element) => element.kind === 'switch');
    expect(switches).toHaveLength(5);
    expect(switches.every((element) => element.open === false)).toBe(true);

    const islands = nodeIslands(result.network);
    expect(islands).toHaveLength(4);
    const branchNodes = new Set(result.network.links.filter((link) => ['line', 'switch'].includes(byId.get(link.equipment)!.kind)).map((link) => link.node));
    const withBranches = islands.filter((island) => island.some((node) => branchNodes.has(node)));
    expect(withBranches).toHaveLength(3);
    expect(islands.filter((island) => !withBranches.includes(island)).map((island) => island.map((id) => byId.get(id)!.name))).toEqual([['Bus3']]);

    const nodeBreakerResult = await importCim([nodeBreaker]);
    const names = (result: CimImport, islands: string[][]): string[] => {
      const nameOf = new Map(result.network.elements.map((element) => [element.id, element.name]));
      return islands.map((island) => island.map((id) => nameOf.get(id)!).sort().join(',')).sort();
    };
    expect(names(result, islands)).toEqual(names(nodeBreakerResult, nodeIslands(nodeBreakerResult.network)));
  });
});

describe('a breaker closed by </cim:Fuse> (PowerFactory, grid.md §1.4 pitfall 8)', () => {
  let folder: string;
  let badLine: number;
  let badBreaker: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'gridlink-cim-'));
    for (const name of readdirSync(nodeBreaker)) if (name.endsWith('.xml')) copyFileSync(join(nodeBreaker, name), join(folder, name));
    // The shared data hold no such file: make one from the real SSH file, in a temporary folder.
    const lines = readFileSync(sshFile(folder), 'utf8').split('\n');
    const open = lines.findIndex((line) => line.includes('<cim:Breaker rdf:about='));
    badBreaker = normaliseId(/rdf:about="([^"]+)"/.exec(lines[open])![1]);
    const close = lines.findIndex((line, index) => index > open && line.includes('</cim:Breaker>'));
    lines[close] = lines[close].replace('</cim:Breaker>', '</cim:Fuse>');
    badLine = close + 1;
    writeFileSync(sshFile(folder), lines.join('\n'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  test('is reported with its file and line, and read as if closed right', async () => {
    const damaged = await importCim([folder]);
    const mismatches = damaged.problems.filter((problem) => problem.kind === 'mismatched-tag');
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0].file).toBe(sshFile(folder));
    expect(mismatches[0].line).toBe(badLine);
    expect(mismatches[0].message).toContain('</cim:Fuse>');

    const intact = await importCim([nodeBreaker]);
    expect(damaged.network.elements).toEqual(intact.network.elements);
    expect(damaged.network.links).toEqual(intact.network.links);
    // The breaker whose tag was wrong still has its SSH state, and stays a Breaker (the class comes from EQ's rdf:ID).
    expect(damaged.model.objects.get(badBreaker)!.literals.get('Switch.open')).toBe(intact.model.objects.get(badBreaker)!.literals.get('Switch.open'));
    expect(damaged.model.objects.get(badBreaker)!.cimClass).toBe('Breaker');
  });
});
