"""bench:field peer: decodes the IEC 104 frames of the simulated RTU with scapy's IEC 104 layers
(python3-scapy, scapy.contrib.scada.iec104), an implementation independent of ours.

Usage: iec104_peer.py <stream file> <result file> <minimum seconds>
The stream file holds the APDUs back to back as the TCP connection carries them. The script splits
them by the start and length octets (as our FrameReader does), decodes each with iec104_decode and
reads every information object's value, over and over until the minimum time has passed; reading
the file and importing scapy are not timed. It writes {"frames", "objects", "seconds", "sum",
"passes"} as JSON: frames and objects decoded per pass, the time of all passes, the sum of the
values of one pass (the check that the frames were really decoded).
"""
import json
import sys
import time

from scapy.contrib.scada.iec104 import iec104_decode


def split(stream):
    frames = []
    at = 0
    while at + 2 <= len(stream):
        if stream[at] != 0x68:
            raise ValueError("start octet 0x%02x at %d" % (stream[at], at))
        length = stream[at + 1]
        frames.append(stream[at:at + 2 + length])
        at += 2 + length
    return frames


def decode_pass(stream):
    frames = 0
    objects = 0
    total = 0.0
    for frame in split(stream):
        apdu = iec104_decode(frame)
        frames += 1
        for io in apdu.io:
            objects += 1
            total += io.scaled_value
    return frames, objects, total


def main():
    stream_path, result_path, minimum = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with open(stream_path, "rb") as f:
        stream = f.read()
    passes = 0
    started = time.perf_counter()
    while True:
        frames, objects, total = decode_pass(stream)
        passes += 1
        seconds = time.perf_counter() - started
        if seconds >= minimum:
            break
    with open(result_path, "w") as f:
        json.dump({"frames": frames, "objects": objects, "seconds": seconds, "sum": total, "passes": passes}, f)


if __name__ == "__main__":
    main()
