"""Peer of `npm run bench:grid-model`, row "residuals": numpy on the same
profiles as ours.

Usage: residual_peer.py <spec.json> <result.json>. spec.json: "timestamps"
and "values" (raw little-endian float64 files, every profile one after the
other), "lengths" (samples per profile), "startMs", "stepMs", "slots",
"maxInterpolateMs", "tree" [[parent, [children...]], ...] by profile index,
"runs". Per profile: each sample to its nearest slot (np.floor of
(t - start + step/2) / step), slot means by np.bincount, empty runs of at
most maxInterpolateMs filled by np.interp, quality codes 0 measured / 1
interpolated / 2 gap; then per parent: parent - sum(children), the worst
quality per slot, NaN where it is a gap. Times inside Python, after the
files are read (ours has its profiles in memory too).
"""
import json, statistics, sys, time

import numpy as np


def align(ts, vs, start, step, slots, max_run):
    k = np.floor((ts - start + step / 2) / step).astype(np.int64)
    keep = (k >= 0) & (k < slots) & ~np.isnan(vs)
    k, vs = k[keep], vs[keep]
    counts = np.bincount(k, minlength=slots)
    sums = np.bincount(k, weights=vs, minlength=slots)
    measured = counts > 0
    values = np.full(slots, np.nan)
    values[measured] = sums[measured] / counts[measured]
    quality = np.full(slots, 2, dtype=np.uint8)
    quality[measured] = 0
    at = np.flatnonzero(measured)
    if at.size > 1 and max_run > 0:
        runs = np.diff(at) - 1
        inner = np.arange(at[0], at[-1] + 1)
        empty = inner[~measured[inner]]
        # the length of the run of empty slots each empty slot belongs to
        run_of = np.repeat(runs[runs > 0], runs[runs > 0])
        fill = empty[run_of <= max_run]
        values[fill] = np.interp(fill, at, values[at])
        quality[fill] = 1
    return values, quality


def residuals(aligned, tree):
    out = []
    for parent, children in tree:
        values, quality = aligned[parent]
        values, quality = values.copy(), quality.copy()
        for child in children:
            values -= aligned[child][0]
            np.maximum(quality, aligned[child][1], out=quality)
        gap = (quality == 2) | np.isnan(values)
        values[gap] = np.nan
        quality[gap] = 2
        out.append((values, quality))
    return out


def run(spec, timestamps, values):
    start, step, slots = spec["startMs"], spec["stepMs"], spec["slots"]
    max_run = int(spec["maxInterpolateMs"] // step)
    aligned, offset = [], 0
    for length in spec["lengths"]:
        aligned.append(align(timestamps[offset:offset + length], values[offset:offset + length], start, step, slots, max_run))
        offset += length
    return residuals(aligned, spec["tree"])


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    timestamps = np.fromfile(spec["timestamps"], dtype="<f8")
    values = np.fromfile(spec["values"], dtype="<f8")
    result = run(spec, timestamps, values)  # warm-up
    seconds = []
    for _ in range(spec["runs"]):
        start = time.perf_counter()
        result = run(spec, timestamps, values)
        seconds.append(time.perf_counter() - start)
    checksum = float(sum(np.nansum(v) for v, _ in result))
    gaps = int(sum(int((q == 2).sum()) for _, q in result))
    interpolated = int(sum(int((q == 1).sum()) for _, q in result))
    with open(sys.argv[2], "w") as f:
        json.dump({"numpy": np.__version__, "seconds": statistics.median(seconds), "residuals": len(result),
                   "checksum": checksum, "gapSlots": gaps, "interpolatedSlots": interpolated}, f)


main()
