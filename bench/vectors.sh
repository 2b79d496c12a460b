#!/usr/bin/env bash
# Embedded vector search: 100,000 random 768-dimensional vectors (cosine) in the gateway's own store, loaded through
# POST /api/v1/vectors/collections/{name}/points (500 per request), then 300 searches (top_k 10) with random query
# vectors through POST .../search, one at a time. Reports the client's p50/p95 (HTTP included) and the server's own
# processing_time_ms p50, the first search (which loads the index from the database) separately, and the gateway's RSS.
# STORE=postgres uses a throwaway PostgreSQL cluster instead of SQLite. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-100000}"; DIM="${DIM:-768}"; QUERIES="${QUERIES:-300}"; PORT="${PORT:-18411}"
work="$(mktemp -d)"; chmod 777 "$work"
pid=""
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  [ -d "$work/pg" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

dotnet publish src/Gateway -c Release -o "$work/gw" -nologo -v quiet >/dev/null
extra=()
if [ "${STORE:-sqlite}" = postgres ]; then
  runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -o "-p 18432 -k $work -c listen_addresses=127.0.0.1" -w start >/dev/null
  extra+=(--ConnectionStrings:Postgres="Host=127.0.0.1;Port=18432;Username=postgres;Database=postgres")
fi
dotnet "$work/gw/SutazAi.Gateway.dll" --urls "http://127.0.0.1:$PORT" --Auth:Enabled=false --Ollama:Servers:0=http://127.0.0.1:9 --Storage:DataDirectory="$work/data" \
  --Logging:LogLevel:Default=Warning "${extra[@]}" > "$work/gw.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.05; done

python3 - "$PORT" "$N" "$DIM" "$QUERIES" "$pid" <<'PY'
import http.client, json, random, statistics, sys, time
port, n, dim, queries, pid = (int(a) for a in sys.argv[1:])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
def call(method, path, body=None):
    c.request(method, path, body=None if body is None else json.dumps(body), headers={"Content-Type": "application/json"})
    r = c.getresponse(); data = json.loads(r.read() or b"null")
    if r.status >= 300: raise SystemExit(f"{method} {path}: {r.status} {data}")
    return data
def rss_mb():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024
rng = random.Random(7)
call("POST", "/api/v1/vectors/collections", {"name": "bench", "dimension": dim})
start = time.time()
batch = 500
for offset in range(0, n, batch):
    points = [{"id": offset + i + 1, "vector": [round(rng.uniform(-1, 1), 4) for _ in range(dim)], "payload": {"n": offset + i}} for i in range(min(batch, n - offset))]
    call("POST", "/api/v1/vectors/collections/bench/points", {"points": points})
load = time.time() - start
info = call("GET", "/api/v1/vectors/collections/bench")["data"]
assert info["points_count"] == n, info
client, server = [], []
first = None
for q in range(queries + 1):
    vector = [round(rng.uniform(-1, 1), 4) for _ in range(dim)]
    t = time.perf_counter()
    data = call("POST", "/api/v1/vectors/collections/bench/search", {"vector": vector, "top_k": 10})
    elapsed = (time.perf_counter() - t) * 1000
    assert len(data["data"]["results"]) == 10
    if q == 0: first = elapsed; continue
    client.append(elapsed); server.append(data["metadata"]["processing_time_ms"])
client.sort(); server.sort()
print(f"vectors: {n} x {dim}, loaded in {load:.1f} s ({n / load:.0f} vectors/s through the API)")
print(f"search (top_k 10, exact cosine), {queries} queries: client p50 {client[len(client)//2]:.2f} ms, p95 {client[int(len(client)*0.95)]:.2f} ms; "
      f"server p50 {server[len(server)//2]:.2f} ms; first search after the load {first:.1f} ms")
print(f"gateway RSS after the searches: {rss_mb():.0f} MB")
PY

# A restarted replica (empty index): its first search loads the collection from the database.
kill "$pid"; wait "$pid" 2>/dev/null || true
dotnet "$work/gw/SutazAi.Gateway.dll" --urls "http://127.0.0.1:$PORT" --Auth:Enabled=false --Ollama:Servers:0=http://127.0.0.1:9 --Storage:DataDirectory="$work/data" \
  --Logging:LogLevel:Default=Warning "${extra[@]}" > "$work/gw2.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.05; done
python3 - "$PORT" "$DIM" <<'PY'
import http.client, json, random, sys, time
port, dim = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
vector = [random.uniform(-1, 1) for _ in range(dim)]
times = []
for _ in range(3):
    t = time.perf_counter()
    c.request("POST", "/api/v1/vectors/collections/bench/search", body=json.dumps({"vector": vector, "top_k": 10}), headers={"Content-Type": "application/json"})
    r = c.getresponse(); r.read(); assert r.status == 200
    times.append((time.perf_counter() - t) * 1000)
print(f"after a restart: first search (loads the index from the database) {times[0]:.0f} ms, then {times[1]:.1f} ms, {times[2]:.1f} ms")
PY
