#!/usr/bin/env bash
# The figures quoted in the issue notes, with the shared measure-server tool: hello world
# keep-alive and connection-per-request for node:http, node:cluster (one worker) and tusk (one
# worker) with each interface. Each server is pinned to one core, wrk to the other.
# usage: bench/connection-per-request.sh PATH/TO/measure-server
set -euo pipefail
cd "$(dirname "$0")/.."
measure=${1:?usage: bench/connection-per-request.sh PATH/TO/measure-server}
tusk="node dist/cli.js -w 1 --log-level warning"
for mode in keepalive close; do
  if [ "$mode" = close ]; then export CLOSE=1; else unset CLOSE; fi
  echo "# $mode"
  "$measure" node:http 8101 "env PORT=8101 node bench/servers/node-http.js"
  "$measure" node:cluster-1 8102 "env PORT=8102 WORKERS=1 node bench/servers/node-cluster.js"
  "$measure" tusk-node 8103 "$tusk -b 127.0.0.1:8103 bench/servers/hello-node.js"
  "$measure" tusk-fetch 8104 "$tusk -b 127.0.0.1:8104 bench/servers/hello-fetch.js"
  "$measure" tusk-native 8105 "$tusk -b 127.0.0.1:8105 --interface native bench/servers/hello-native.js"
done
