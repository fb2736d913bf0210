// The grid the GRM serves once a load succeeded: the import, its topology (changed in place by
// switch operations), the monitoring points and what depends on the switch state in force (the
// residual tree, the island of every element), recomputed after every change.

import type { GridElement } from '../../core/grid/network.js';
import type { ResidualTree } from '../../core/grid/profiles/api.js';
import { GridRequestError } from '../../core/grid/serving/grid-error.js';
import type { FeederTopology } from '../../core/grid/topology/api.js';
import { monitoringPointsOf, residualTreeOf, type GridMonitoringPoint } from '../../core/grid/serving/monitoring-points.js';
import type { ConfiguredMonitoringPoint } from './settings.js';
import type { LoadedTopology } from './topology-source.js';

export class LoadedGrid {
  readonly topology: FeederTopology;
  readonly points: readonly GridMonitoringPoint[];
  private readonly elements: ReadonlyMap<string, GridElement>;
  private readonly pointsById: ReadonlyMap<string, GridMonitoringPoint>;
  private currentTree: ResidualTree;
  private islandIndex: Map<string, number> | undefined;

  constructor(readonly loaded: LoadedTopology, configured: readonly ConfiguredMonitoringPoint[]) {
    this.topology = loaded.topology;
    this.elements = new Map(loaded.cim.network.elements.map((element) => [element.id, element]));
    this.points = monitoringPointsOf(loaded.cim.network, configured);
    this.pointsById = new Map(this.points.map((point) => [point.id, point]));
    this.currentTree = residualTreeOf(this.topology, this.points);
  }

  /** Points whose element the topology does not know: listed, but outside every residual. */
  get pointsOffTopology(): GridMonitoringPoint[] {
    return this.points.filter((point) => !this.topology.has(point.element));
  }

  /** For each point, its nearest measured sub-branches under the switch state in force. */
  get residualTree(): ResidualTree {
    return this.currentTree;
  }

  /** Recomputes what follows the switch state; call after every change of the topology. */
  refresh(): void {
    this.currentTree = residualTreeOf(this.topology, this.points);
    this.islandIndex = undefined;
  }

  /** The element, or NotFound naming it and what was asked. */
  element(id: string, what = 'element'): GridElement {
    const element = this.elements.get(id);
    if (element === undefined || !this.topology.has(id)) throw new GridRequestError('NotFound', `no ${what} ${JSON.stringify(id)} in the topology (${this.loaded.source})`, id);
    return element;
  }

  point(id: string): GridMonitoringPoint {
    const point = this.pointsById.get(id);
    if (point === undefined) throw new GridRequestError('NotFound', `no monitoring point ${JSON.stringify(id)} (known: ${this.points.length} points; GetGridTopology lists them)`, id);
    return point;
  }

  /** Index into topology.islands() of the element's island. */
  islandOf(id: string): number {
    if (this.islandIndex === undefined) {
      const index = new Map<string, number>();
      this.topology.islands().forEach((island, i) => {
        for (const element of island.elements) index.set(element, i);
      });
      this.islandIndex = index;
    }
    return this.islandIndex.get(id) ?? -1;
  }
}
