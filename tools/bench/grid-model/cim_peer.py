"""Peer of `npm run bench:grid-model`, row "CIM parse": a cimpy-like reader.

Reads every file of a data set with lxml's etree.iterparse (the stdlib
xml.etree.ElementTree when lxml is missing) into one merged dictionary
id -> {"class", "props"}, as a Python CIM tool does before it builds
anything. Usage: cim_peer.py <spec.json> <result.json>; spec = {"runs": n,
"sets": [{"name", "files": [...]}]}. Times inside Python (interpreter start
and imports excluded): one warm-up, then the median of `runs` readings.
"""
import json, statistics, sys, time

try:
    from lxml import etree
    LIBRARY = "lxml " + etree.__version__
except ImportError:  # the fallback the brief allows; the result names it
    import xml.etree.ElementTree as etree
    LIBRARY = "xml.etree.ElementTree"

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"


def norm(ref):
    ref = ref[1:] if ref.startswith("#") else ref
    ref = ref[9:] if ref.startswith("urn:uuid:") else ref
    return ref[1:] if ref.startswith("_") else ref


def local(tag):
    return tag[tag.rfind("}") + 1:]


def read(files):
    objects = {}
    for path in files:
        depth, current = 0, None
        for event, elem in etree.iterparse(path, events=("start", "end")):
            if event == "start":
                depth += 1
                if depth == 2:
                    about = elem.get(RDF + "ID") or elem.get(RDF + "about") or ""
                    current = objects.setdefault(norm(about), {"class": "", "props": {}})
                    if elem.get(RDF + "ID") is not None or not current["class"]:
                        current["class"] = local(elem.tag)
                continue
            depth -= 1
            if depth == 2:
                resource = elem.get(RDF + "resource")
                current["props"][local(elem.tag)] = norm(resource) if resource is not None else (elem.text or "")
            elif depth == 1:
                elem.clear()  # keeps memory flat on big files, as a streaming reader would
    return objects


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    result = {"library": LIBRARY, "sets": []}
    for data_set in spec["sets"]:
        objects = read(data_set["files"])  # warm-up (page cache, lxml's name caches)
        seconds = []
        for _ in range(spec["runs"]):
            start = time.perf_counter()
            objects = read(data_set["files"])
            seconds.append(time.perf_counter() - start)
        result["sets"].append({"name": data_set["name"], "seconds": statistics.median(seconds), "objects": len(objects)})
    with open(sys.argv[2], "w") as f:
        json.dump(result, f)


main()
