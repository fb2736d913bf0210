"""bench:field peer: pymodbus's own Modbus TCP client (Debian python3-pymodbus 3.0, the synchronous
ModbusTcpClient) reading holding registers with FC3, an implementation independent of ours.

Usage: modbus_peer.py <port> <quantity> <size> <warm-up requests> <requests> <result file> [<server pid>]
Request i (counting from 0, warm-up included in neither count nor checksum) reads `quantity`
registers at address (i * 37) % (size - quantity + 1) from unit 1 on 127.0.0.1:<port>, one request
at a time (the sync client waits for each answer). Importing pymodbus and connecting are not timed.
It writes {"requests", "seconds", "checksum", "client_cpu_seconds", "server_cpu_seconds"} as JSON: the checksum folds
every register read, in request order, exactly as tools/bench/field/modbus-rows.ts does for ours, so
both must agree with the registers the server holds; client_cpu_seconds is this process's CPU time
during the timed requests, server_cpu_seconds the server process's (given its pid, on Linux; else
null).
"""
import os
import json
import sys
import time

from pymodbus.client import ModbusTcpClient

ADDRESS_STEP = 37


def address_of(i, quantity, size):
    return (i * ADDRESS_STEP) % (size - quantity + 1)


def cpu_seconds(pid):
    """User + system CPU time of a process from /proc (None where it cannot be read)."""
    if pid is None:
        return None
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def main():
    port, quantity, size, warmup, requests = (int(arg) for arg in sys.argv[1:6])
    result_path = sys.argv[6]
    server_pid = int(sys.argv[7]) if len(sys.argv) > 7 else None
    client = ModbusTcpClient("127.0.0.1", port=port, timeout=5, retries=0)
    if not client.connect():
        raise SystemExit("cannot connect to 127.0.0.1:%d" % port)

    def read(i):
        response = client.read_holding_registers(address_of(i, quantity, size), quantity, slave=1)
        if response.isError():
            raise SystemExit("request %d: %s" % (i, response))
        registers = response.registers
        if len(registers) != quantity:
            raise SystemExit("request %d: %d registers, asked for %d" % (i, len(registers), quantity))
        return registers

    for i in range(warmup):
        read(i)
    checksum = 0
    server_cpu_before = cpu_seconds(server_pid)
    client_cpu_before = time.process_time()
    started = time.perf_counter()
    for i in range(requests):
        h = 0
        for value in read(i):
            h = (h * 31 + value) & 0xFFFFFFFF
        checksum = (checksum * 1000003 + h) & 0xFFFFFFFF
    seconds = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu_before
    server_cpu_after = cpu_seconds(server_pid)
    client.close()
    server_cpu = None if server_cpu_before is None or server_cpu_after is None else server_cpu_after - server_cpu_before
    with open(result_path, "w") as f:
        json.dump({"requests": requests, "seconds": seconds, "checksum": checksum, "client_cpu_seconds": client_cpu, "server_cpu_seconds": server_cpu}, f)


if __name__ == "__main__":
    main()
