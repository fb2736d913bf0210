/**
 * `gridlink cim inspect <files or folders...>`: imports CIM RDF/XML files
 * (core/grid/cim) and reports what the grid code will see: classes, nodes,
 * switches and which are open, consumers, sources, the islands of the
 * current switch state (core/grid/topology) and every problem found.
 */
import type { Command } from '../commander.js';
import { CimSyntaxError, type CimImport, type CimProblem } from '../../../core/grid/cim/api.js';
import type { GridElement } from '../../../core/grid/network.js';
import type { FeederTopology } from '../../../core/grid/topology/api.js';
import { CliError, EXIT_FAILURE, EXIT_USAGE } from '../cli-error.js';
import { printJson, textTable } from '../output.js';

interface NamedElement {
  id: string;
  name: string;
  cimClass: string;
}

interface IslandSummary {
  /** The feeder root, or null for an island without one (not fed). */
  root: NamedElement | null;
  elements: number;
  nodes: number;
  radial: boolean;
  /** The largest depth below the root, in links (a node-to-node step through a line is 2 links). */
  maxDepth: number;
  /** The largest number of node-to-node steps from the root's first node to another node (grid.md's "hop depth"). */
  maxNodeHops: number;
}

/** The --json document; its shape is stable for scripts. */
export interface CimInspection {
  files: string[];
  bytes: number;
  modelKind: 'node-breaker' | 'bus-branch';
  /** Defined objects by class, classes sorted by name. */
  countsByClass: Record<string, number>;
  connectivityNodes: number;
  topologicalNodes: number;
  /** Network elements by kind (node, line, switch, ...). */
  elementsByKind: Record<string, number>;
  links: number;
  switches: { total: number; open: (NamedElement & { normalOpen: boolean | null })[] };
  consumers: NamedElement[];
  sources: NamedElement[];
  transformers: (NamedElement & { lowVoltageNode: string | null })[];
  monitoringPoints: number;
  islands: IslandSummary[];
  problems: CimProblem[];
}

function named(element: GridElement): NamedElement {
  return { id: element.id, name: element.name, cimClass: element.cimClass };
}

/**
 * Node-to-node steps: along the tree, the nodes on the way from the root, less
 * the first. Island elements come breadth-first, so a parent is counted before
 * its children.
 */
function maxNodeHops(elements: readonly string[], topology: FeederTopology, byId: ReadonlyMap<string, GridElement>): number {
  const nodesOnTheWay = new Map<string, number>();
  let deepest = 0;
  for (const id of elements) {
    const parent = topology.parent(id);
    const above = parent === undefined ? 0 : (nodesOnTheWay.get(parent) ?? 0);
    const here = above + (byId.get(id)?.kind === 'node' ? 1 : 0);
    nodesOnTheWay.set(id, here);
    deepest = Math.max(deepest, here - 1);
  }
  return deepest;
}

async function inspection(result: CimImport): Promise<CimInspection> {
  const { buildTopology } = await import('../../../core/grid/topology/topology.js');
  const { network, model } = result;
  const byId = new Map(network.elements.map((element) => [element.id, element]));
  const ofKind = (kind: GridElement['kind']): GridElement[] => network.elements.filter((element) => element.kind === kind);
  const elementsByKind: Record<string, number> = {};
  for (const element of network.elements) elementsByKind[element.kind] = (elementsByKind[element.kind] ?? 0) + 1;
  const countsByClass: Record<string, number> = {};
  for (const cimClass of [...model.countsByClass.keys()].sort()) countsByClass[cimClass] = model.countsByClass.get(cimClass)!;
  const switches = ofKind('switch');

  const topology = buildTopology(network);
  const islands = topology.islands().map((island): IslandSummary => {
    const root = island.root === undefined ? undefined : byId.get(island.root);
    return {
      root: root === undefined ? null : named(root),
      elements: island.elements.length,
      nodes: island.elements.filter((id) => byId.get(id)?.kind === 'node').length,
      radial: island.radial,
      maxDepth: island.maxDepth,
      maxNodeHops: maxNodeHops(island.elements, topology, byId),
    };
  });

  return {
    files: [...result.files],
    bytes: result.bytes,
    modelKind: result.modelKind,
    countsByClass,
    connectivityNodes: model.countsByClass.get('ConnectivityNode') ?? 0,
    topologicalNodes: model.countsByClass.get('TopologicalNode') ?? 0,
    elementsByKind,
    links: network.links.length,
    switches: {
      total: switches.length,
      open: switches.filter((element) => element.open === true).map((element) => ({ ...named(element), normalOpen: element.normalOpen ?? null })),
    },
    consumers: ofKind('consumer').map(named),
    sources: ofKind('source').map(named),
    transformers: ofKind('transformer').map((element) => ({ ...named(element), lowVoltageNode: element.lowVoltageNode ?? null })),
    monitoringPoints: network.monitoringPoints.length,
    islands,
    problems: [...result.problems],
  };
}

function label(element: NamedElement): string {
  return element.name === '' ? `${element.cimClass} ${element.id}` : `${element.name} (${element.cimClass} ${element.id})`;
}

function where(problem: CimProblem): string {
  if (problem.file === undefined) return '';
  const position = problem.line === undefined ? '' : `:${problem.line}${problem.column === undefined ? '' : `:${problem.column}`}`;
  return ` [${problem.file}${position}]`;
}

function textReport(report: CimInspection): string {
  const out: string[] = [];
  out.push(`${report.files.length} file(s), ${report.bytes} bytes, ${report.modelKind} model`);
  for (const file of report.files) out.push(`  ${file}`);
  out.push('', 'Classes (defined objects):');
  out.push(
    textTable(
      ['  CLASS', 'COUNT'],
      Object.entries(report.countsByClass).map(([cimClass, count]) => [`  ${cimClass}`, String(count)]),
    ),
  );
  out.push('', `Nodes: ${report.connectivityNodes} ConnectivityNode(s), ${report.topologicalNodes} TopologicalNode(s); the network is built on ${report.modelKind === 'node-breaker' ? 'ConnectivityNodes' : 'TopologicalNodes'}`);
  out.push(`Elements: ${Object.entries(report.elementsByKind).map(([kind, count]) => `${count} ${kind}`).join(', ') || 'none'}; ${report.links} links; ${report.monitoringPoints} monitoring point(s)`);
  out.push(`Switches: ${report.switches.total}, ${report.switches.open.length} open`);
  for (const open of report.switches.open) out.push(`  open: ${label(open)}${open.normalOpen === false ? ' (normally closed)' : ''}`);
  out.push(`Consumers: ${report.consumers.length}`);
  out.push(`Sources: ${report.sources.length}`);
  for (const source of report.sources) out.push(`  ${label(source)}`);
  out.push(`Transformers: ${report.transformers.length}`);
  for (const transformer of report.transformers) out.push(`  ${label(transformer)}, low-voltage node ${transformer.lowVoltageNode ?? 'unknown'}`);
  out.push('', `Islands: ${report.islands.length}`);
  report.islands.forEach((island, index) => {
    const root = island.root === null ? 'no feeder root (not fed)' : `root ${label(island.root)}`;
    out.push(`  island ${index + 1}: ${root}, ${island.elements} elements (${island.nodes} node${island.nodes === 1 ? '' : 's'}), ${island.radial ? 'radial' : 'meshed'}, max depth ${island.maxDepth} links (${island.maxNodeHops} node-to-node hop${island.maxNodeHops === 1 ? '' : 's'})`);
  });
  out.push('', `Problems: ${report.problems.length}`);
  for (const problem of report.problems) out.push(`  ${problem.kind}: ${problem.message}${where(problem)}`);
  return `${out.join('\n')}\n`;
}

async function inspect(paths: string[], options: { json: boolean }): Promise<void> {
  const { importCim } = await import('../../../core/grid/cim/import.js');
  let result: CimImport;
  try {
    result = await importCim(paths);
  } catch (error) {
    if (error instanceof CimSyntaxError) throw new CliError(`malformed XML: ${error.message}`, EXIT_USAGE);
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT_FAILURE);
  }
  const report = await inspection(result);
  if (options.json) printJson(report);
  else process.stdout.write(textReport(report));
}

export function registerCimCommand(program: Command): void {
  const cim = program
    .command('cim')
    .summary('read CIM (CGMES) RDF/XML grid models: inspect')
    .description('Read CIM RDF/XML files (CGMES 2.4.15 or 3.0 profile files of one model, or a single-file CIM export) the way the grid modules do.');
  cim
    .command('inspect')
    .summary('classes, nodes, switches, consumers, sources, islands and problems of a CIM model')
    .description(
      'Import the files (a folder stands for every *.xml in it, read in name order) into one model, build the network and its topology with the switch states in force (SSH Switch.open, then SV SvSwitch.open, then EQ Switch.normalOpen), and print: objects by class, connectivity/topological nodes, switches and the open ones, consumers, sources, transformers, the islands (feeder root, element count, radial or meshed, largest depth below the root in links) and every problem (dangling references, mismatched tags, incomplete equipment ...). Problems do not fail the command; malformed XML does.',
    )
    .argument('<paths...>', 'CIM files or folders of them (all profiles of one model: EQ, TP, SSH, SV, ...)')
    .option('--json', 'print one JSON document', false)
    .addHelpText(
      'after',
      `
Examples:
  $ npx gridlink cim inspect ../shared/data/cimpy_sample_grid_switches/node_breaker
  $ npx gridlink cim inspect model_EQ.xml model_TP.xml model_SSH.xml
  $ npx gridlink cim inspect exports/feeder7 --json | jq '.switches.open[] | .name'

Exit codes: 0 read (problems are listed, not failures); 1 a path cannot be
read; 2 malformed XML (stderr names file:line:column) or bad usage.`,
    )
    .action((paths: string[], options: { json: boolean }) => inspect(paths, options));
}
