// The answers of GetGridTopology, QueryTopology and GetAdjacency, read from the loaded grid under
// the switch state in force.

import { GridRequestError } from '../../core/grid/serving/grid-error.js';
import type {
  AdjacencyInfo,
  AdjacencyReply,
  ElementsReply,
  GetAdjacency,
  GridElementInfo,
  GridTopologyReply,
  QueryTopology,
} from '../../schemas/generated/messages.js';
import type { LoadedGrid } from './loaded-grid.js';
import { KIND_ON_WIRE } from '../../core/grid/serving/element-kinds.js';

/** The schema's ElementKind of each network kind (shared with SSD, which decodes with it). */
export const KIND = KIND_ON_WIRE;

/** CIM problems beyond this many are summed up in one last line, so a sloppy export does not make a huge reply. */
export const MAX_PROBLEM_LINES = 1000;

export function problemLines(grid: LoadedGrid): string[] {
  const problems = grid.loaded.cim.problems;
  const lines = problems.slice(0, MAX_PROBLEM_LINES).map((problem) => {
    const where = problem.file === undefined ? '' : ` (${problem.file}${problem.line === undefined ? '' : `:${problem.line}`})`;
    return `${problem.kind}: ${problem.message}${where}`;
  });
  if (problems.length > MAX_PROBLEM_LINES) lines.push(`... and ${problems.length - MAX_PROBLEM_LINES} more problems`);
  for (const point of grid.pointsOffTopology) lines.push(`monitoring point ${point.id} is at element ${point.element}, which is not in the topology: it takes part in no residual`);
  return lines;
}

export function gridTopologyReply(grid: LoadedGrid, version: number, summaryOnly: boolean): GridTopologyReply {
  const { topology } = grid;
  const states = topology.switchStates();
  const reply: GridTopologyReply = {
    source: grid.loaded.source,
    version,
    loadedMs: grid.loaded.loadedMs,
    islands: topology.islands().map((island) => {
      const info = { elementCount: island.elements.length, radial: island.radial, maxDepth: island.maxDepth };
      return island.root === undefined ? info : { root: island.root, ...info };
    }),
    monitoringPoints: grid.points.map((point) => ({
      id: point.id,
      name: point.name,
      element: point.element,
      dataPoint: point.dataPoint,
      children: [...(grid.residualTree.get(point.id) ?? [])],
    })),
    problems: problemLines(grid),
  };
  if (!summaryOnly) {
    reply.elements = grid.loaded.cim.network.elements.map((element) => {
      const info: GridElementInfo = {
        id: element.id,
        name: element.name,
        kind: KIND[element.kind],
        cimClass: element.cimClass,
        depth: topology.depth(element.id),
        island: grid.islandOf(element.id),
        open: states.get(element.id) ?? false,
      };
      const parent = topology.parent(element.id);
      if (parent !== undefined) info.parent = parent;
      return info;
    });
  }
  return reply;
}

export function queryTopology(grid: LoadedGrid, request: QueryTopology): ElementsReply {
  const { topology } = grid;
  grid.element(request.element);
  const one = (id: string | undefined): string[] => (id === undefined ? [] : [id]);
  switch (request.kind) {
    case 'Parent':
      return { elements: one(topology.parent(request.element)) };
    case 'Children':
      return { elements: [...topology.children(request.element)] };
    case 'Subtree':
      return { elements: [...topology.subtree(request.element)] };
    case 'Feeder':
      return { elements: one(topology.feeder(request.element)) };
    case 'Path': {
      if (request.other === undefined || request.other === '') throw new GridRequestError('InvalidArgument', 'a Path query needs `other`, the element the path leads to', request.element);
      grid.element(request.other);
      return { elements: [...topology.path(request.element, request.other)] };
    }
    default:
      throw new GridRequestError('InvalidArgument', `unknown query kind ${String(request.kind)}`, request.element);
  }
}

export function adjacency(grid: LoadedGrid, request: GetAdjacency, version: number): AdjacencyReply {
  const { topology } = grid;
  grid.element(request.a);
  const others = request.b === undefined || request.b.length === 0 ? topology.ids() : request.b;
  for (const b of others) grid.element(b);
  const entries: AdjacencyInfo[] = others.map((b) => {
    const entry = topology.entry(request.a, b);
    return { a: request.a, b, direct: entry.direct, indirect: entry.indirect, hops: entry.hops, distance: entry.distance, viaSwitching: entry.viaSwitching };
  });
  return { version, entries };
}
