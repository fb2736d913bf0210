"""Peer of `npm run bench:grid-model`, the topology rows: networkx on the
same graph as ours (elements = nodes, conducting links = edges).

Usage: topology_peer.py <mode> <graph.json> <result.json>; graph.json holds
"size", "edges" [[a, b], ...], "roots" (feeder roots by index), "runs", and
per mode:
  matrix    build the graph, connected components, all_pairs_shortest_path_length
  pairs     build the graph, components, a BFS tree from each component's root
            with depths, then "pairCount" pairs read as int32 from "pairsFile"
            answered through tree_all_pairs_lowest_common_ancestor (distance =
            depth a + depth b - 2 depth lca, -1 across islands)
  switches  "switchEdges" [[[a, b], ...] per switch] and "changes" [[switch, open]]:
            per change, the switch's edges removed or added, then components and
            BFS depths from each component's root recomputed
Times inside Python (interpreter start, imports and file reading excluded).
"""
import json, statistics, sys, time
from array import array

import networkx as nx


def build(size, edges):
    graph = nx.Graph()
    graph.add_nodes_from(range(size))
    graph.add_edges_from(edges)
    return graph


def root_of(component, roots):
    for r in roots:
        if r in component:
            return r
    return min(component)


def depths(graph, roots):
    """Components, and each element's component root and hop depth from it."""
    depth, root_by_node = {}, {}
    components = list(nx.connected_components(graph))
    for component in components:
        root = root_of(component, roots)
        for node, d in nx.single_source_shortest_path_length(graph, root).items():
            depth[node] = d
            root_by_node[node] = root
    return components, depth, root_by_node


def matrix(spec):
    start = time.perf_counter()
    graph = build(spec["size"], spec["edges"])
    components = list(nx.connected_components(graph))
    distances = dict(nx.all_pairs_shortest_path_length(graph))
    seconds = time.perf_counter() - start
    entries = sum(len(row) for row in distances.values())
    return seconds, {"components": len(components), "reachablePairs": entries}


def pairs(spec):
    flat = array("i")
    with open(spec["pairsFile"], "rb") as f:
        flat.frombytes(f.read())
    wanted = list(zip(flat[0::2], flat[1::2]))
    start = time.perf_counter()
    graph = build(spec["size"], spec["edges"])
    tree = nx.DiGraph()
    top = spec["size"]  # a virtual root above every island's root: an LCA of `top` means not connected
    depth = {}
    for component in nx.connected_components(graph):
        root = root_of(component, spec["roots"])
        tree.add_edge(top, root)
        depth[root] = 0
        for parent, children in nx.bfs_successors(graph, root):
            for child in children:
                tree.add_edge(parent, child)
                depth[child] = depth[parent] + 1
    # networkx answers each distinct pair once (in either order): look every asked pair up
    lcas = dict(nx.tree_all_pairs_lowest_common_ancestor(tree, root=top, pairs=wanted))
    total = 0
    for a, b in wanted:
        lca = lcas.get((a, b))
        if lca is None:
            lca = lcas[(b, a)]
        total += -1 if lca == top else depth[a] + depth[b] - 2 * depth[lca]
    seconds = time.perf_counter() - start
    return seconds, {"distanceSum": total, "pairs": len(wanted)}


def switches(spec):
    graph = build(spec["size"], spec["edges"])
    switch_edges = spec["switchEdges"]
    per_change = []
    for switch, is_open in spec["changes"]:
        start = time.perf_counter()
        if is_open:
            graph.remove_edges_from(switch_edges[switch])
        else:
            graph.add_edges_from(switch_edges[switch])
        components, depth, _ = depths(graph, spec["roots"])
        per_change.append(time.perf_counter() - start)
    return statistics.median(per_change), {"changes": len(per_change), "components": len(components)}


MODES = {"matrix": matrix, "pairs": pairs, "switches": switches}


def main():
    mode, spec_path, result_path = sys.argv[1:4]
    with open(spec_path) as f:
        spec = json.load(f)
    measure = MODES[mode]
    measure(spec)  # warm-up
    readings = [measure(spec) for _ in range(spec["runs"])]
    seconds = statistics.median(r[0] for r in readings)
    with open(result_path, "w") as f:
        json.dump({"networkx": nx.__version__, "seconds": seconds, **readings[-1][1]}, f)


main()
