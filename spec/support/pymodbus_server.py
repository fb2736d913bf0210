"""A Modbus TCP server for the tests: pymodbus 3.0 (Debian python3-pymodbus) on 127.0.0.1.

Run with /usr/bin/python3 spec/support/pymodbus_server.py --port PORT [--units 1,2] [--size 200].
Every unit has coils, discrete inputs, holding and input registers at addresses 0..size-1, all 0;
reading past size-1 gives exception 2 (Illegal Data Address). Port 0 picks a free port.

It prints one JSON object per line on stdout: {"event": "ready", "port": N} once it listens, and
the answer to each command. Commands are JSON lines on stdin:
  {"cmd": "set", "unit": 1, "table": "hr", "address": 0, "values": [1, 2]}   -> {"event": "set"}
  {"cmd": "get", "unit": 1, "table": "hr", "address": 0, "count": 2}        -> {"event": "values", "values": [...]}
Tables: "co" coils, "di" discrete inputs, "hr" holding registers, "ir" input registers.
"""
import argparse
import asyncio
import json
import logging
import sys
import threading

# pymodbus.server imports python3-serial-asyncio (a Recommends of python3-pymodbus, installed by
# tools/setup/debian-packages.sh) even for its TCP server.
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncTcpServer

FUNCTION_OF_TABLE = {"co": 1, "di": 2, "hr": 3, "ir": 4}


def say(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def handle(context, line):
    command = {}
    try:
        command = json.loads(line)
        slave = context[int(command.get("unit", 1))]
        function = FUNCTION_OF_TABLE[command["table"]]
        address = int(command["address"])
        if command["cmd"] == "set":
            slave.setValues(function, address, [int(v) for v in command["values"]])
            say({"event": "set", "id": command.get("id")})
        elif command["cmd"] == "get":
            values = slave.getValues(function, address, int(command.get("count", 1)))
            say({"event": "values", "id": command.get("id"), "values": [int(v) for v in values]})
        else:
            say({"event": "error", "id": command.get("id"), "message": f"unknown command {command['cmd']}"})
    except Exception as error:  # a bad command is answered, never fatal
        say({"event": "error", "id": command.get("id") if isinstance(command, dict) else None, "message": repr(error)})


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--units", default="1")
    parser.add_argument("--size", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    def block():
        return ModbusSequentialDataBlock(0, [0] * args.size)

    slaves = {
        int(unit): ModbusSlaveContext(co=block(), di=block(), hr=block(), ir=block(), zero_mode=True)
        for unit in args.units.split(",")
    }
    context = ModbusServerContext(slaves=slaves, single=False)
    server = await StartAsyncTcpServer(context=context, address=("127.0.0.1", args.port), defer_start=True, allow_reuse_address=True)
    serving = asyncio.create_task(server.serve_forever())
    await server.serving
    say({"event": "ready", "port": server.server.sockets[0].getsockname()[1]})

    loop = asyncio.get_running_loop()

    def read_stdin():
        for line in sys.stdin:
            if line.strip():
                loop.call_soon_threadsafe(handle, context, line)
        loop.call_soon_threadsafe(serving.cancel)

    threading.Thread(target=read_stdin, daemon=True).start()
    try:
        await serving
    except asyncio.CancelledError:
        pass


if __name__ == "__main__":
    asyncio.run(main())
