#!/usr/bin/env bash
# Task queue benchmark with the no-op `echo` handler: enqueue latency (wrk, one connection, workers off), then
# end-to-end throughput: N tasks enqueued by ab over 8 keep-alive connections while the workers run, tasks/s = tasks / (first
# enqueue to last completion). Workers are warmed up first with 5,000 tasks (JIT). SQLite: one replica serving both;
# PostgreSQL: a front replica without workers plus two worker replicas. Loopback only; a throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-20000}" # ONLY_PG=1 skips the SQLite rows
command -v wrk >/dev/null && command -v ab >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk apache2-utils >/dev/null; }
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
  ${PIN:-taskset -c 1} dotnet "$work/gw/SutazAi.Gateway.dll" --urls "http://127.0.0.1:$port" --Auth:Enabled=false --Ollama:Servers:0=http://127.0.0.1:9 \
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


printf '%s' '{"task_type":"echo","payload":{"n":1}}' > "$work/echo.json"

count() { # $1 port, $2 status filter ("" for all): number of tasks
  curl -sf "http://127.0.0.1:$1/api/v1/tasks?per_page=1${2:+&status=$2}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["total"])'
}

run_batch() { # $1 front port, $2 count: enqueue count tasks (ab, 8 keep-alive connections) while the workers run; prints tasks/s
  local port=$1 before_all before_done start total elapsed
  before_all=$(count "$port" ""); before_done=$(count "$port" completed)
  start=$(date +%s.%N)
  ab -q -k -n "$2" -c 8 -p "$work/echo.json" -T application/json "http://127.0.0.1:$port/api/v1/tasks" > "$work/ab.txt"
  grep -q '^Non-2xx responses' "$work/ab.txt" && { echo "enqueue failed"; cat "$work/ab.txt"; exit 1; }
  total=$(( $(count "$port" "") - before_all ))
  # Wait (polling every 20 ms, bounded) until nothing is queued or running; queued and running rows are counted
  # through their small partial indexes, so the polling costs the database next to nothing. Then check the count.
  elapsed=$(python3 - "$port" "$start" <<'PY'
import http.client, json, sys, time
port, start = int(sys.argv[1]), float(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
def count(status):
    c.request("GET", f"/api/v1/tasks?status={status}&per_page=1"); return json.loads(c.getresponse().read())["data"]["total"]
while count("queued") + count("running") > 0:
    if time.time() - start > 300: sys.exit("timeout")
    time.sleep(0.02)
print(f"{time.time() - start:.3f}")
PY
)
  [ "$(( $(count "$port" completed) - before_done ))" -eq "$total" ] || { echo "not every task completed"; exit 1; }
  awk -v n="$total" -v t="$elapsed" 'BEGIN { printf "%.0f\n", n / t }'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), N=$N echo tasks"
echo "| store | replicas x workers | enqueue p50 ms (c=1) | enqueue p99 ms | enqueue req/s (c=1) | end-to-end tasks/s |"
echo "|---|---|---|---|---|---|"

if [ -z "${ONLY_PG:-}" ]; then
# SQLite, one replica
start_gateway 18120 0 --Storage:DataDirectory="$work/sqlite"
read -r _ rps p50 p99 <<<"$(taskset -c 0 wrk -t1 -c1 -d5s -s "$work/enqueue.lua" http://127.0.0.1:18120/api/v1/tasks | grep RESULT)"
stop_all; rm -rf "$work/sqlite"
start_gateway 18121 4 --Storage:DataDirectory="$work/sqlite"
run_batch 18121 5000 >/dev/null
rate=$(run_batch 18121 "$N"); stop_all
echo "| SQLite (WAL) | 1 x 4 (same process) | $p50 | $p99 | $rps | $rate |"
fi

# PostgreSQL, a front replica and two worker replicas
port=55499
runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -w -l "$work/pg.log" -o "-p $port -c listen_addresses=127.0.0.1 -k $work -c max_connections=300" start >/dev/null
for db in a b; do runuser -u postgres -- "$pgbin/psql" -h 127.0.0.1 -p $port -U postgres -qc "CREATE DATABASE bench_$db" >/dev/null; done
cs() { echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=bench_$1;Maximum Pool Size=50"; }
start_gateway 18130 0 --ConnectionStrings:Postgres="$(cs a)"
read -r _ rps p50 p99 <<<"$(taskset -c 0 wrk -t1 -c1 -d5s -s "$work/enqueue.lua" http://127.0.0.1:18130/api/v1/tasks | grep RESULT)"
stop_all
start_gateway 18130 0 --ConnectionStrings:Postgres="$(cs b)"
start_gateway 18131 4 --ConnectionStrings:Postgres="$(cs b)"
start_gateway 18132 4 --ConnectionStrings:Postgres="$(cs b)"
run_batch 18130 5000 >/dev/null
rate=$(run_batch 18130 "$N"); stop_all
echo "| PostgreSQL 15 | front + 2 x 4 | $p50 | $p99 | $rps | $rate |"
