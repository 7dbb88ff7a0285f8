#!/usr/bin/env bash
# Connection-per-request and keep-alive hello world: tusk (one worker) against node:http and
# node:cluster (one worker), each pinned to one core with wrk on the other (measure-server).
# usage: bench/connection-per-request.sh PATH/TO/measure-server
set -euo pipefail
cd "$(dirname "$0")/.."
measure=${1:?usage: bench/connection-per-request.sh PATH/TO/measure-server}
for mode in keepalive close; do
  if [ "$mode" = close ]; then export CLOSE=1; else unset CLOSE; fi
  echo "# $mode"
  "$measure" node:http 8101 "env PORT=8101 node bench/servers/node-http.js"
  "$measure" node:cluster-1 8102 "env PORT=8102 WORKERS=1 node bench/servers/node-cluster.js"
  "$measure" tusk-node-1 8103 "node dist/cli.js -b 127.0.0.1:8103 -w 1 --log-level warning bench/servers/hello-node.js"
done
