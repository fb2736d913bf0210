#!/usr/bin/env bash
# Installs the Debian packages Gridlink's tests and benchmarks use (run as root):
#   flatbuffers-compiler  the pinned flatc 2.0.8 (`npm run schemas`, the stale-code test)
#   nats-server           the NATS peer of `npm run bench:bus`
#   iproute2              `ip netns` for the tests that put modules on separate hosts
#   tmux                  a real terminal for the tests of `gridlink console`
#   openssh-server        a real SSH/SFTP server for the tests of Storacle's remote tier
#   influxdb              the InfluxDB 1.6 peer of `npm run bench:storacle`
#   victoria-metrics      the VictoriaMetrics 1.79 peer of `npm run bench:storacle`
#   prosody               a real XMPP server for the AppManager's XMPP gateway tests
#   python3 make g++      node-gyp, should better-sqlite3 (the SQLite peer) need building from source
#   python3-numpy python3-networkx python3-lxml
#                         the numpy, networkx and lxml peers of `npm run bench:grid-model`
#   tshark                decodes our IEC 60870-5-104 frames in the tests (an independent dissector)
#   python3-scapy         an independent IEC 104 decoder, the peer of `npm run bench:field`
#   python3-pymodbus      a real Modbus TCP server for the Modbus gateway's tests
#   python3-serial-asyncio  what pymodbus.server imports (Recommended, not Depended on)
#   chromium              a real browser for the dashboard's end-to-end tests (driven by playwright-core)
set -euo pipefail
packages=(flatbuffers-compiler nats-server iproute2 tmux openssh-server influxdb victoria-metrics prosody python3 make g++ python3-numpy python3-networkx python3-lxml tshark python3-scapy python3-pymodbus python3-serial-asyncio chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "debian-packages: all present (${packages[*]})"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "debian-packages: missing ${missing[*]}; run this script as root (sudo $0)" >&2
  exit 1
fi
echo "debian-packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
