// The feeder drawn as an SVG tree (layout in feeder-layout.ts): transformer at the left, cables
// branching to the right, buildings at the leaves. Switches show their recorded state (filled:
// closed, hollow: open) and SSD's verdict by colour; monitoring points are diamonds at their
// element; a building carries BEMS-AA's assignment as "-> MP x (score)". The mouse wheel zooms
// around the pointer, dragging pans, "Fit" shows the whole feeder again.
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { TopologyView } from '../../api.js';
import { layoutFeeder, type LayoutNode } from './feeder-layout.js';

type SwitchVerdict = TopologyView['switches'][number];
type MonitoringPoint = TopologyView['monitoringPoints'][number];
type Assignment = TopologyView['assignment'][number];

export interface FeederGraphProps {
  topology: TopologyView;
  /** Least height of the drawing in CSS pixels; it grows to fill its container (a flex column). */
  minHeight?: number;
}

// Room for a switch's name below it without touching the row below.
const rowHeight = 28;
const margin = { left: 24, top: 30, bottom: 24 };
/** Columns are as wide as the drawing allows, within these bounds (labels of inner nodes sit below them). */
const columnWidthBounds = { min: 56, max: 150 };
/** Width of one character of the 11 px labels, for the room the leaves' labels need. */
const labelCharWidth = 6.2;
/** Below this scale the 11 px labels cannot be read. */
const readableScale = 0.6;

export const graphColours = {
  consistent: '#1a7f37',
  inconsistent: '#cf222e',
  unverified: '#6e7781',
  edge: '#8c959f',
  unfed: '#afb8c1',
  point: '#8250df',
  building: '#0969da',
  generator: '#bf8700',
  equipment: '#24292f',
} as const;

type Verdict = 'consistent' | 'inconsistent' | 'unverified';

interface View {
  x: number;
  y: number;
  k: number;
}

export function FeederGraph(props: FeederGraphProps) {
  const { topology } = props;
  const minHeight = props.minHeight ?? 300;
  const svgRef = useRef<SVGSVGElement>(null);
  const [size, setSize] = useState({ width: 900, height: minHeight });
  const { width, height } = size;

  const model = useMemo(() => graphModel(topology), [topology]);
  const columns = Math.max(1, model.layout.columns);
  const labelRoom = 16 + model.longestLabel * labelCharWidth;
  const columnWidth = Math.max(columnWidthBounds.min, Math.min(columnWidthBounds.max, (width - margin.left - labelRoom) / columns));
  const contentWidth = margin.left + (columns - 1) * columnWidth + labelRoom;
  const contentHeight = margin.top + Math.max(1, model.layout.rows) * rowHeight + margin.bottom;
  const fit = (): View => {
    const k = Math.min(width / contentWidth, height / contentHeight, 1.5);
    return { k, x: (width - contentWidth * k) / 2, y: Math.max(0, (height - contentHeight * k) / 2) };
  };
  // A feeder too tall to read when fitted whole opens at a readable scale instead, centred on the
  // first switch the data disagree with (else the feeder's root); "Fit" shows the whole.
  const opening = (): View => {
    const whole = fit();
    if (whole.k >= readableScale) return whole;
    const k = Math.min(readableScale, width / contentWidth);
    const focus = model.focus === undefined ? undefined : model.nodeById.get(model.focus);
    const row = focus?.row ?? model.layout.nodes[0]?.row ?? 0;
    return { k, x: (width - contentWidth * k) / 2, y: height / 2 - (margin.top + row * rowHeight) * k };
  };
  const [view, setView] = useState<View | null>(null);
  const shown = view ?? opening();

  useEffect(() => {
    const svg = svgRef.current;
    if (svg === null) return;
    const observer = new ResizeObserver(() => setSize({ width: Math.max(300, svg.clientWidth), height: Math.max(minHeight, svg.clientHeight) }));
    observer.observe(svg);
    return () => observer.disconnect();
  }, []);
  // Another topology (a reload, a switch change) is fitted again.
  useEffect(() => setView(null), [topology]);

  // The wheel listener must not be passive: the page would scroll instead of the graph zooming.
  const viewRef = useRef(shown);
  viewRef.current = shown;
  useEffect(() => {
    const svg = svgRef.current;
    if (svg === null) return;
    const onWheel = (event: WheelEvent): void => {
      event.preventDefault();
      const box = svg.getBoundingClientRect();
      setView(zoomAt(viewRef.current, event.clientX - box.left, event.clientY - box.top, Math.exp(-event.deltaY * 0.0015)));
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    return () => svg.removeEventListener('wheel', onWheel);
  }, []);

  const drag = useRef<{ pointer: number; startX: number; startY: number; view: View } | null>(null);
  const onPointerDown = (event: PointerEvent): void => {
    if (event.button !== 0) return;
    (event.currentTarget as Element).setPointerCapture(event.pointerId);
    drag.current = { pointer: event.pointerId, startX: event.clientX, startY: event.clientY, view: shown };
  };
  const onPointerMove = (event: PointerEvent): void => {
    const start = drag.current;
    if (start === null || start.pointer !== event.pointerId) return;
    setView({ ...start.view, x: start.view.x + event.clientX - start.startX, y: start.view.y + event.clientY - start.startY });
  };
  const onPointerUp = (event: PointerEvent): void => {
    if (drag.current?.pointer === event.pointerId) drag.current = null;
  };
  const zoomButton = (factor: number) => (): void => setView(zoomAt(shown, width / 2, height / 2, factor));

  const position = (node: LayoutNode): { x: number; y: number } => ({
    x: margin.left + node.column * columnWidth,
    y: margin.top + node.row * rowHeight,
  });
  const nodeById = model.nodeById;

  return html`<div class="feeder-graph" style=${{ position: 'relative', display: 'flex', flexDirection: 'column', height: '100%', minHeight: `${minHeight}px` }}>
    <div class="graph-toolbar" style=${{ position: 'absolute', top: '6px', left: '6px', display: 'flex', gap: '4px' }}>
      <button type="button" data-test="graph-zoom-in" title="Zoom in" onClick=${zoomButton(1.25)}>+</button>
      <button type="button" data-test="graph-zoom-out" title="Zoom out" onClick=${zoomButton(0.8)}>−</button>
      <button type="button" data-test="graph-fit" title="Show the whole feeder" onClick=${() => setView(fit())}>Fit</button>
    </div>
    <svg
      ref=${svgRef}
      data-test="feeder-graph"
      data-nodes=${model.layout.nodes.length}
      data-hidden=${model.layout.hiddenElements}
      style=${{ display: 'block', width: '100%', flex: '1 1 auto', minHeight: `${minHeight}px`, cursor: drag.current === null ? 'grab' : 'grabbing', touchAction: 'none', userSelect: 'none' }}
      onPointerDown=${onPointerDown}
      onPointerMove=${onPointerMove}
      onPointerUp=${onPointerUp}
      onPointerCancel=${onPointerUp}
      role="img"
      aria-label=${`Feeder ${topology.source}: ${model.layout.nodes.length} elements drawn`}
    >
      <g transform=${`translate(${shown.x} ${shown.y}) scale(${shown.k})`} font-family="system-ui, sans-serif" font-size="11">
        <g class="graph-edges" fill="none" stroke-width="1.5">
          ${model.layout.edges.map((edge) => {
            const from = nodeById.get(edge.from)!;
            const to = nodeById.get(edge.to)!;
            const a = position(from);
            const b = position(to);
            const bend = a.x + columnWidth / 2;
            return html`<path
              key=${`${edge.from}>${edge.to}`}
              d=${`M${a.x + 8} ${a.y}H${bend}V${b.y}H${b.x - 8}`}
              stroke=${to.fed ? graphColours.edge : graphColours.unfed}
              stroke-dasharray=${to.fed ? undefined : '4 3'}
            ><title>${edge.hidden > 0 ? `${edge.hidden} cable elements between` : 'directly connected'}</title></path>`;
          })}
        </g>
        <g class="graph-nodes">
          ${model.layout.nodes.map((node) => {
            const { x, y } = position(node);
            return html`<${GraphNode} key=${node.id} node=${node} x=${x} y=${y} model=${model} />`;
          })}
        </g>
      </g>
    </svg>
    <${Legend} />
  </div>`;
}

interface GraphModel {
  layout: ReturnType<typeof layoutFeeder>;
  nodeById: Map<string, LayoutNode>;
  pointsByElement: Map<string, MonitoringPoint[]>;
  pointLabel: Map<string, string>;
  verdictBySwitch: Map<string, SwitchVerdict>;
  assignmentByElement: Map<string, Assignment>;
  /** Assignments whose building is not an element of the topology (shown by the page). */
  unplaced: Assignment[];
  /** Characters of the longest label right of a leaf (a building with its assignment). */
  longestLabel: number;
  /** The first drawn switch the data disagree with, if any. */
  focus: string | undefined;
}

function graphModel(topology: TopologyView): GraphModel {
  const pointsByElement = new Map<string, MonitoringPoint[]>();
  const pointLabel = new Map<string, string>();
  for (const point of topology.monitoringPoints) {
    let list = pointsByElement.get(point.element);
    if (list === undefined) pointsByElement.set(point.element, (list = []));
    list.push(point);
    pointLabel.set(point.id, monitoringPointLabel(point));
  }
  const verdictBySwitch = new Map(topology.switches.map((verdict) => [verdict.id, verdict]));
  const alwaysDrawn = new Set<string>([...pointsByElement.keys(), ...verdictBySwitch.keys()]);
  const layout = layoutFeeder(topology.elements, alwaysDrawn);
  const nodeById = new Map(layout.nodes.map((node) => [node.id, node]));
  const { byElement, unplaced } = placeAssignments(topology);
  const model: GraphModel = { layout, nodeById, pointsByElement, pointLabel, verdictBySwitch, assignmentByElement: byElement, unplaced, longestLabel: 0, focus: undefined };
  for (const node of layout.nodes) {
    if (node.kind === 'consumer' || node.kind === 'generator') model.longestLabel = Math.max(model.longestLabel, leafLabel(node, model).length);
    if (node.kind === 'switch' && model.focus === undefined && verdictBySwitch.get(node.id)?.consistent === false) model.focus = node.id;
  }
  return model;
}

/** "MP 3" from a data point like "feeder1.mp3.p"; else the data point, else the id's start. */
export function monitoringPointLabel(point: MonitoringPoint): string {
  const match = point.dataPoint === undefined ? null : /(?:^|[._])mp[ _-]?(\d+)(?:[._]|$)/i.exec(point.dataPoint);
  if (match !== null) return `MP ${match[1]}`;
  return point.dataPoint ?? point.id.slice(0, 8);
}

/**
 * BEMS-AA names a building by BRM's id (its data point, "feeder1.building12.p"); the topology by
 * the consumer element. The element is found by id, by name, or by the building number shared by
 * the data point and the element's name ("Building 12"), as the simulator and BRM name them.
 */
export function placeAssignments(topology: TopologyView): { byElement: Map<string, Assignment>; unplaced: Assignment[] } {
  const consumers = topology.elements.filter((element) => element.kind.toLowerCase() === 'consumer');
  const byId = new Map(consumers.map((element) => [element.id, element.id]));
  const byName = new Map(consumers.map((element) => [element.name, element.id]));
  const byNumber = new Map<string, string>();
  for (const element of consumers) {
    const number = buildingNumber(element.name);
    if (number !== undefined && !byNumber.has(number)) byNumber.set(number, element.id);
  }
  const byElement = new Map<string, Assignment>();
  const unplaced: Assignment[] = [];
  for (const entry of topology.assignment) {
    const number = buildingNumber(entry.building);
    const element = byId.get(entry.building) ?? byName.get(entry.building) ?? (number === undefined ? undefined : byNumber.get(number));
    if (element === undefined) unplaced.push(entry);
    else byElement.set(element, entry);
  }
  return { byElement, unplaced };
}

function buildingNumber(text: string): string | undefined {
  return /building[ ._-]?(\d+)/i.exec(text)?.[1];
}

export function verdictOf(verdict: SwitchVerdict | undefined): Verdict {
  if (verdict === undefined) return 'unverified';
  return verdict.consistent ? 'consistent' : 'inconsistent';
}

function GraphNode(props: { node: LayoutNode; x: number; y: number; model: GraphModel }) {
  const { node, x, y, model } = props;
  const points = model.pointsByElement.get(node.id) ?? [];
  const pointMarks = points.map(
    (point, index) => html`<g key=${point.id} data-test="monitoring-point" data-id=${point.id} transform=${`translate(${index * 14} -12)`}>
      <path d="M0 -5L5 0L0 5L-5 0Z" fill=${graphColours.point} />
      <text x="7" y="-3" fill=${graphColours.point} font-size="10">${model.pointLabel.get(point.id)}</text>
      <title>${`${model.pointLabel.get(point.id)}${point.dataPoint === undefined ? '' : ` — ${point.dataPoint}`}`}</title>
    </g>`,
  );
  const muted = !node.fed;
  switch (node.kind) {
    case 'switch': {
      const verdict = model.verdictBySwitch.get(node.id);
      const state = verdictOf(verdict);
      const colour = graphColours[state];
      const open = node.open === true;
      return html`<g
        transform=${`translate(${x} ${y})`}
        data-test="switch"
        data-id=${node.id}
        data-name=${node.name}
        data-open=${String(open)}
        data-verdict=${state}
      >
        <rect x="-6" y="-6" width="12" height="12" rx="1.5" fill=${open ? '#ffffff' : colour} stroke=${colour} stroke-width="2" />
        ${open ? html`<path d="M-4 4L4 -4" stroke=${colour} stroke-width="1.5" />` : null}
        <text x="0" y="17" text-anchor="middle" font-size="10" fill=${colour}>${node.name}</text>
        ${pointMarks}
        <title>${switchTitle(node, verdict)}</title>
      </g>`;
    }
    case 'transformer':
    case 'source':
      return html`<g transform=${`translate(${x} ${y})`} data-test="graph-node" data-kind=${node.kind} data-id=${node.id}>
        ${node.kind === 'transformer'
          ? html`<circle cx="-3" cy="0" r="7" fill="none" stroke=${graphColours.equipment} stroke-width="1.5" />
              <circle cx="3" cy="0" r="7" fill="none" stroke=${graphColours.equipment} stroke-width="1.5" />`
          : html`<circle r="8" fill="#ffffff" stroke=${graphColours.equipment} stroke-width="1.5" />
              <path d="M-4 0q2 -4 4 0t4 0" fill="none" stroke=${graphColours.equipment} />`}
        <text x="0" y="22" text-anchor="middle" fill=${graphColours.equipment}>${node.name}</text>
        ${pointMarks}
        <title>${`${node.kind}: ${node.name || node.id}`}</title>
      </g>`;
    case 'busbar':
      return html`<g transform=${`translate(${x} ${y})`} data-test="graph-node" data-kind="busbar" data-id=${node.id}>
        <rect x="-3" y="-14" width="6" height="28" fill=${graphColours.equipment} />
        <text x="0" y="26" text-anchor="middle">${node.name}</text>
        ${pointMarks}
        <title>${`busbar: ${node.name || node.id}`}</title>
      </g>`;
    case 'consumer': {
      const assignment = model.assignmentByElement.get(node.id);
      const label = leafLabel(node, model);
      const colour = muted ? graphColours.unfed : graphColours.building;
      return html`<g
        transform=${`translate(${x} ${y})`}
        data-test="building"
        data-id=${node.id}
        data-name=${node.name}
        data-assigned-point=${assignment?.point}
      >
        <path d="M-6 7V-1L0 -7L6 -1V7Z" fill=${colour} />
        <text x="11" y="4" fill=${muted ? graphColours.unfed : graphColours.equipment}>${label}</text>
        ${pointMarks}
        <title>${assignmentTitle(node, assignment, model)}</title>
      </g>`;
    }
    case 'generator':
      return html`<g transform=${`translate(${x} ${y})`} data-test="graph-node" data-kind="generator" data-id=${node.id}>
        <circle r="5.5" fill=${muted ? graphColours.unfed : graphColours.generator} />
        <text x="11" y="4" fill=${graphColours.equipment}>${node.name}</text>
        ${pointMarks}
        <title>${`generator: ${node.name || node.id}`}</title>
      </g>`;
    default:
      // Cable nodes where the feeder branches, and elements carrying a monitoring point.
      return html`<g transform=${`translate(${x} ${y})`} data-test="graph-node" data-kind=${node.kind} data-id=${node.id}>
        <circle r="3.5" fill=${muted ? graphColours.unfed : graphColours.edge} />
        ${pointMarks}
        <title>${`${node.kind}: ${node.name || node.id}`}</title>
      </g>`;
  }
}

/** A building's label: its name and, when BEMS-AA assigned it, "-> MP 3 (0.98)". */
function leafLabel(node: LayoutNode, model: GraphModel): string {
  const assignment = node.kind === 'consumer' ? model.assignmentByElement.get(node.id) : undefined;
  if (assignment === undefined) return node.name;
  return `${node.name} -> ${model.pointLabel.get(assignment.point) ?? assignment.point.slice(0, 8)} (${assignment.score.toFixed(2)})`;
}

function switchTitle(node: LayoutNode, verdict: SwitchVerdict | undefined): string {
  const recorded = node.open === true ? 'open' : 'closed';
  if (verdict === undefined) return `switch ${node.name}: recorded ${recorded}; not verified`;
  const supported = verdict.supportedOpen === undefined ? 'unknown' : verdict.supportedOpen ? 'open' : 'closed';
  const equivalent = verdict.equivalent === undefined || verdict.equivalent === '' ? '' : `; cannot be told from ${verdict.equivalent}`;
  return `switch ${node.name}: recorded ${recorded}, data support ${supported} — ${verdict.consistent ? 'consistent' : 'INCONSISTENT'} (confidence ${(verdict.confidence * 100).toFixed(0)} %)${equivalent}`;
}

function assignmentTitle(node: LayoutNode, assignment: Assignment | undefined, model: GraphModel): string {
  if (assignment === undefined) return `building ${node.name}: no assignment`;
  const runnerUp = assignment.runnerUp === undefined ? '' : `; runner-up ${model.pointLabel.get(assignment.runnerUp) ?? assignment.runnerUp}`;
  return `building ${node.name}: assigned to ${model.pointLabel.get(assignment.point) ?? assignment.point} with score ${assignment.score.toFixed(3)}${runnerUp}`;
}

function zoomAt(view: View, px: number, py: number, factor: number): View {
  const k = Math.min(8, Math.max(0.05, view.k * factor));
  const applied = k / view.k;
  return { k, x: px - (px - view.x) * applied, y: py - (py - view.y) * applied };
}

function Legend() {
  const item = (icon: unknown, text: string) => html`<li style=${{ display: 'flex', alignItems: 'center', gap: '5px' }}>
    <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">${icon}</svg>${text}
  </li>`;
  return html`<ul
    class="graph-legend"
    data-test="graph-legend"
    style=${{
      display: 'flex',
      flexWrap: 'wrap',
      gap: '2px 14px',
      margin: 0,
      padding: '6px 10px',
      listStyle: 'none',
      fontSize: '12px',
      borderTop: '1px solid #d0d7de',
    }}
  >
    ${item(html`<circle cx="-3" r="5" fill="none" stroke=${graphColours.equipment} /><circle cx="3" r="5" fill="none" stroke=${graphColours.equipment} />`, 'transformer / source')}
    ${item(html`<rect x="-2" y="-7" width="4" height="14" fill=${graphColours.equipment} />`, 'busbar')}
    ${item(html`<circle r="3.5" fill=${graphColours.edge} />`, 'cable branch')}
    ${item(html`<rect x="-5" y="-5" width="10" height="10" fill=${graphColours.consistent} />`, 'switch closed, consistent')}
    ${item(html`<rect x="-5" y="-5" width="10" height="10" fill="#fff" stroke=${graphColours.consistent} stroke-width="2" />`, 'switch open, consistent')}
    ${item(html`<rect x="-5" y="-5" width="10" height="10" fill=${graphColours.inconsistent} />`, 'switch: data disagree')}
    ${item(html`<rect x="-5" y="-5" width="10" height="10" fill=${graphColours.unverified} />`, 'switch not verified')}
    ${item(html`<path d="M0 -5L5 0L0 5L-5 0Z" fill=${graphColours.point} />`, 'monitoring point')}
    ${item(html`<path d="M-6 7V-1L0 -7L6 -1V7Z" fill=${graphColours.building} />`, 'building -> its monitoring point (score)')}
    ${item(html`<circle r="5" fill=${graphColours.generator} />`, 'generator (PV)')}
    ${item(html`<path d="M-7 0H7" stroke=${graphColours.unfed} stroke-dasharray="3 2" stroke-width="2" />`, 'not fed')}
  </ul>`;
}
