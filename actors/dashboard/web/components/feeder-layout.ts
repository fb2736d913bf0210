// The layout of a feeder drawn as a tree, left to right: the transformer at the left, the
// buildings at the right. Computed here (no layout library) from GRM's parent links.
//
// A feeder has far more nodes and cable segments than anybody wants to see: a simulated feeder of
// 60 buildings has some 300 elements. Only the elements a person reads the feeder by are drawn:
// sources and transformers, busbars, switches, consumers and generators, elements carrying a
// monitoring point, and the cable nodes where the feeder branches. A chain of nodes and lines
// between two drawn elements becomes one edge (its `hidden` count says how many it stands for).
//
// The placement is the classic tidy one for trees read by their leaves: leaves take consecutive
// rows in depth-first order, a parent sits at the middle of its first and last child, and the
// column is the number of drawn ancestors. No two nodes overlap, and a subtree is a contiguous
// band of rows, so a branch reads as one block.

/** The element fields the layout needs (TopologyView['elements'][number]). */
export interface FeederElementInput {
  id: string;
  name: string;
  kind: string;
  parent?: string;
  open?: boolean;
}

/** What a drawn node is, from GRM's kind (any spelling: "Switch", "switch"). */
export type DrawnKind = 'source' | 'transformer' | 'busbar' | 'switch' | 'consumer' | 'generator' | 'node' | 'line' | 'other';

export interface LayoutNode {
  id: string;
  name: string;
  kind: DrawnKind;
  open?: boolean;
  /** The drawn parent; absent for a root. */
  parent?: string;
  /** Column (drawn ancestors) and row (in leaf units; a parent may sit between rows). */
  column: number;
  row: number;
  /** Index of the tree in the forest: 0 is the largest fed island. */
  tree: number;
  /** Whether the tree hangs below a source or transformer (false: unfed, or an island without a feeding root). */
  fed: boolean;
}

export interface LayoutEdge {
  from: string;
  to: string;
  /** Elements between the two that are not drawn (cable nodes and segments). */
  hidden: number;
}

export interface FeederLayout {
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  /** Number of columns and rows used (rows include a gap of one between trees). */
  columns: number;
  rows: number;
  /** Elements of the topology that are not drawn. */
  hiddenElements: number;
}

const drawnKinds: ReadonlySet<DrawnKind> = new Set(['source', 'transformer', 'busbar', 'switch', 'consumer', 'generator']);

export function drawnKindOf(kind: string): DrawnKind {
  const lower = kind.toLowerCase();
  switch (lower) {
    case 'source':
    case 'transformer':
    case 'busbar':
    case 'switch':
    case 'consumer':
    case 'generator':
    case 'node':
    case 'line':
      return lower;
    default:
      return 'other';
  }
}

/** Natural order of names, so "Building 2" comes before "Building 10". */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Lays out the feeder. `alwaysDrawn` are the ids of elements to draw whatever their kind (those
 * carrying a monitoring point, switches with a verdict).
 */
export function layoutFeeder(elements: readonly FeederElementInput[], alwaysDrawn: ReadonlySet<string> = new Set()): FeederLayout {
  const byId = new Map<string, FeederElementInput>();
  for (const element of elements) byId.set(element.id, element);
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const element of elements) {
    // A parent that is not in the list (a partial answer) makes the element a root.
    if (element.parent !== undefined && element.parent !== '' && byId.has(element.parent) && element.parent !== element.id) {
      let list = children.get(element.parent);
      if (list === undefined) children.set(element.parent, (list = []));
      list.push(element.id);
    } else {
      roots.push(element.id);
    }
  }

  // Post-order without recursion: feeders of 10,000 elements have cable runs hundreds deep.
  const order = depthFirstOrder(roots, children);
  const drawn = new Set<string>();
  const hasDrawnBelow = new Set<string>();
  for (let index = order.length - 1; index >= 0; index--) {
    const id = order[index]!;
    const element = byId.get(id)!;
    const kind = drawnKindOf(element.kind);
    let branchesWithDrawn = 0;
    for (const child of children.get(id) ?? []) if (hasDrawnBelow.has(child)) branchesWithDrawn++;
    const isRoot = element.parent === undefined || element.parent === '' || !byId.has(element.parent);
    if (drawnKinds.has(kind) || alwaysDrawn.has(id) || isRoot || branchesWithDrawn >= 2) drawn.add(id);
    if (drawn.has(id) || branchesWithDrawn > 0) hasDrawnBelow.add(id);
  }

  // Drawn children of each drawn element, with the number of skipped elements on the way.
  const drawnChildren = new Map<string, { id: string; hidden: number }[]>();
  for (const root of roots) {
    const stack: { id: string; drawnAncestor: string; hidden: number }[] = [];
    for (const child of children.get(root) ?? []) stack.push({ id: child, drawnAncestor: root, hidden: 0 });
    while (stack.length > 0) {
      const { id, drawnAncestor, hidden } = stack.pop()!;
      if (drawn.has(id)) {
        let list = drawnChildren.get(drawnAncestor);
        if (list === undefined) drawnChildren.set(drawnAncestor, (list = []));
        list.push({ id, hidden });
        for (const child of children.get(id) ?? []) stack.push({ id: child, drawnAncestor: id, hidden: 0 });
      } else if (hasDrawnBelow.has(id)) {
        for (const child of children.get(id) ?? []) stack.push({ id: child, drawnAncestor, hidden: hidden + 1 });
      }
    }
  }
  const compareChildren = (a: { id: string }, b: { id: string }): number => {
    // Branches before leaves, so the long cables read first; then by name.
    const aLeaf = drawnChildren.has(a.id) ? 0 : 1;
    const bLeaf = drawnChildren.has(b.id) ? 0 : 1;
    return aLeaf - bLeaf || collator.compare(byId.get(a.id)!.name, byId.get(b.id)!.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  };
  for (const list of drawnChildren.values()) list.sort(compareChildren);

  // Trees: the fed ones (rooted at a source or transformer) first, larger first.
  const treeSize = (root: string): number => {
    let size = 0;
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      size++;
      for (const child of drawnChildren.get(id) ?? []) stack.push(child.id);
    }
    return size;
  };
  const isFeeding = (id: string): boolean => {
    const kind = drawnKindOf(byId.get(id)!.kind);
    return kind === 'source' || kind === 'transformer';
  };
  const trees = roots.map((root) => ({ root, size: treeSize(root), fed: isFeeding(root) }));
  trees.sort((a, b) => Number(b.fed) - Number(a.fed) || b.size - a.size || collator.compare(byId.get(a.root)!.name, byId.get(b.root)!.name));

  const nodes: LayoutNode[] = [];
  const edges: LayoutEdge[] = [];
  let nextRow = 0;
  let columns = 0;
  trees.forEach((tree, treeIndex) => {
    if (treeIndex > 0) nextRow += 1;
    // Iterative post-order placement: leaves take the next row, parents the middle of their children.
    const rowOf = new Map<string, number>();
    const stack: { id: string; column: number; parent?: string; expanded: boolean }[] = [{ id: tree.root, column: 0, expanded: false }];
    const placed: LayoutNode[] = [];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const kids = drawnChildren.get(top.id) ?? [];
      if (!top.expanded && kids.length > 0) {
        top.expanded = true;
        for (let k = kids.length - 1; k >= 0; k--) stack.push({ id: kids[k]!.id, column: top.column + 1, parent: top.id, expanded: false });
        continue;
      }
      stack.pop();
      const row = kids.length === 0 ? nextRow++ : (rowOf.get(kids[0]!.id)! + rowOf.get(kids[kids.length - 1]!.id)!) / 2;
      rowOf.set(top.id, row);
      columns = Math.max(columns, top.column + 1);
      const element = byId.get(top.id)!;
      placed.push({
        id: top.id,
        name: element.name,
        kind: drawnKindOf(element.kind),
        ...(element.open === undefined ? {} : { open: element.open }),
        ...(top.parent === undefined ? {} : { parent: top.parent }),
        column: top.column,
        row,
        tree: treeIndex,
        fed: tree.fed,
      });
      for (const kid of kids) edges.push({ from: top.id, to: kid.id, hidden: kid.hidden });
    }
    // Parents were placed after their children; the drawing wants them first (painter's order).
    for (let index = placed.length - 1; index >= 0; index--) nodes.push(placed[index]!);
  });

  return { nodes, edges, columns, rows: nextRow, hiddenElements: elements.length - nodes.length };
}

function depthFirstOrder(roots: readonly string[], children: ReadonlyMap<string, readonly string[]>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue; // parent links from a malformed answer must not loop forever
    seen.add(id);
    order.push(id);
    const kids = children.get(id);
    if (kids !== undefined) for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]!);
  }
  return order;
}
