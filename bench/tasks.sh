#!/usr/bin/env bash
# Task queue benchmark with the no-op `echo` handler: enqueue latency (wrk, one connection), then drain rate
# (N tasks enqueued first, then workers started; tasks/s from first claim to last completion) on SQLite with one
# replica and on PostgreSQL with two replicas. Loopback only; a throwaway PostgreSQL cluster in a temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-5000}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

work="$(mktemp -d)"; chmod 777 "$work"
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  [ -d "$work/pg" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet publish src/Gateway -c Release -o "$work/gw" -nologo -v quiet >/dev/null
start_gateway() { # $1 port, $2 workers, rest: extra args
  local port=$1 workers=$2; shift 2
  taskset -c 1 dotnet "$work/gw/SutazAi.Gateway.dll" --urls "http://127.0.0.1:$port" --Ollama:Servers:0=http://127.0.0.1:9 \
    --Tasks:Workers="$workers" --Tasks:PollInterval=00:00:00.020 --Logging:LogLevel:Default=Warning "$@" > "$work/gw-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/health/live" >/dev/null && return; sleep 0.05; done
  echo "gateway on $port did not start"; cat "$work/gw-$port.log"; exit 1
}
stop_all() { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; pids=(); }

cat > "$work/enqueue.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"task_type":"echo","payload":{"n":1}}'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.0f %.3f %.3f\n", summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA

enqueue_bulk() { # $1 port: N tasks over 8 connections
  python3 - "$1" "$N" <<'PY'
import http.client, sys, threading
port, n = int(sys.argv[1]), int(sys.argv[2])
def run(count):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(count):
        c.request("POST", "/api/v1/tasks", b'{"task_type":"echo","payload":{"n":1}}', {"Content-Type": "application/json"})
        r = c.getresponse(); r.read()
        assert r.status == 201, r.status
threads = [threading.Thread(target=run, args=(n // 8,)) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
PY
}

drain_rate() { # $1 port: tasks/s between the first and the last completion (read back from the task list)
  python3 - "$1" "$N" <<'PY'
import http.client, json, sys, time
from datetime import datetime
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
def get(path):
    c.request("GET", path); r = c.getresponse(); return json.loads(r.read())["data"]
start = time.perf_counter()
while get("/api/v1/tasks?status=completed&per_page=1")["total"] < n:
    time.sleep(0.05)
    if time.perf_counter() - start > 300: sys.exit("timeout")
times = []
for page in range(1, n // 100 + 2):
    times += [datetime.fromisoformat(t["completed_at"]) for t in get(f"/api/v1/tasks?status=completed&per_page=100&page={page}")["items"]]
span = (max(times) - min(times)).total_seconds()
print(f"{(len(times) - 1) / span:.0f}")
PY
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), N=$N echo tasks"
echo "| store | replicas x workers | enqueue p50 ms (c=1) | enqueue p99 ms | enqueue req/s (c=1) | drain tasks/s |"
echo "|---|---|---|---|---|---|"

# SQLite, one replica
start_gateway 18120 0 --Storage:DataDirectory="$work/sqlite"
read -r _ rps p50 p99 <<<"$(taskset -c 0 wrk -t1 -c1 -d5s -s "$work/enqueue.lua" http://127.0.0.1:18120/api/v1/tasks | grep RESULT)"
stop_all; rm -rf "$work/sqlite"
start_gateway 18120 0 --Storage:DataDirectory="$work/sqlite"
enqueue_bulk 18120; stop_all
start_gateway 18121 4 --Storage:DataDirectory="$work/sqlite"
rate=$(drain_rate 18121); stop_all
echo "| SQLite (WAL) | 1 x 4 | $p50 | $p99 | $rps | $rate |"

# PostgreSQL, two replicas
port=55499
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -w -l "$work/pg.log" -o "-p $port -c listen_addresses=127.0.0.1 -k $work -c max_connections=300" start >/dev/null
for db in a b; do runuser -u postgres -- "$pgbin/psql" -h 127.0.0.1 -p $port -U postgres -qc "CREATE DATABASE bench_$db" >/dev/null; done
cs() { echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=bench_$1;Maximum Pool Size=50"; }
start_gateway 18130 0 --ConnectionStrings:Postgres="$(cs a)"
read -r _ rps p50 p99 <<<"$(taskset -c 0 wrk -t1 -c1 -d5s -s "$work/enqueue.lua" http://127.0.0.1:18130/api/v1/tasks | grep RESULT)"
stop_all
start_gateway 18130 0 --ConnectionStrings:Postgres="$(cs b)"
enqueue_bulk 18130; stop_all
start_gateway 18131 4 --ConnectionStrings:Postgres="$(cs b)"
start_gateway 18132 4 --ConnectionStrings:Postgres="$(cs b)"
rate=$(drain_rate 18131); stop_all
echo "| PostgreSQL 15 | 2 x 4 | $p50 | $p99 | $rps | $rate |"
