"""Peer of `npm run bench:grid-apps`: the literature baselines of building
assignment in numpy, on the same profiles as ours.

Usage: assign_peer.py <pearson|lstsq> <spec.json> <result.json>.
spec.json: "cases": [{"label", "file", "buildings", "points", "slots",
"truth": [MP index per building, -1 for none]}], "runs". Each case file is
raw little-endian float64: the building profiles (buildings x slots), then
the MP residual profiles (points x slots).

pearson: argmax over MPs of the Pearson correlation of a building's profile
with each residual (Luan et al. 2015, Short 2013: plain correlation).
lstsq: one np.linalg.lstsq for all residuals at once, R (slots x points) ~
P (slots x buildings) X, each building to the MP where its coefficient is
largest (Arya et al. 2011: power balance as least squares, relaxed).

Per case: the number of buildings assigned to their true MP, and the median
time of `runs` assignments (after one unmeasured), in ms, inside Python
after the files are read.
"""
import json, statistics, sys, time

import numpy as np


def pearson(P, R):
    def standardised(M):
        M = np.nan_to_num(M - np.nanmean(M, axis=1, keepdims=True))
        norm = np.sqrt((M * M).sum(axis=1, keepdims=True))
        norm[norm == 0] = 1
        return M / norm
    C = standardised(P) @ standardised(R).T
    return np.argmax(C, axis=1)


def lstsq(P, R):
    X, *_ = np.linalg.lstsq(np.nan_to_num(P).T, np.nan_to_num(R).T, rcond=None)
    return np.argmax(X, axis=1)


def main():
    method, spec_path, result_path = sys.argv[1:4]
    assign = {"pearson": pearson, "lstsq": lstsq}[method]
    with open(spec_path) as f:
        spec = json.load(f)
    runs = max(1, int(spec.get("runs", 3)))
    out = []
    for case in spec["cases"]:
        b, m, t = case["buildings"], case["points"], case["slots"]
        data = np.fromfile(case["file"], dtype="<f8")
        if data.size != (b + m) * t:
            raise SystemExit(f"{case['file']}: {data.size} values, expected {(b + m) * t}")
        P = data[: b * t].reshape(b, t)
        R = data[b * t :].reshape(m, t)
        truth = np.asarray(case["truth"], dtype=np.int64)
        chosen = assign(P, R)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            assign(P, R)
            times.append((time.perf_counter() - started) * 1000)
        out.append({"label": case["label"], "correct": int((chosen == truth).sum()), "buildings": b, "ms": statistics.median(times)})
    with open(result_path, "w") as f:
        json.dump({"method": method, "numpy": np.__version__, "cases": out}, f)


if __name__ == "__main__":
    main()
