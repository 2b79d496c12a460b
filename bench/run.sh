#!/usr/bin/env bash
# Gateway overhead benchmark: nginx serves canned Ollama/OpenAI answers (a near-zero-cost upstream); the same
# wrk load runs against nginx directly and through the gateway (Release, pinned to core 1; nginx and wrk on core 0).
# Prints req/s and latency percentiles side by side, the gateway's CPU time per request, and for streams the
# time to first byte and the events delivered. Bounded: every run is a few seconds on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10s}"
command -v nginx >/dev/null && command -v wrk >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk curl >/dev/null; }

work="$(mktemp -d)"
cleanup() {
  kill ${gw_json:-} ${gw_stream:-} 2>/dev/null || true
  nginx -p "$work" -c nginx.conf -s stop 2>/dev/null || true
  nginx -p "$work" -c nginx2.conf -s stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

chat_done='{"model":"bench:latest","created_at":"2026-11-22T00:00:00Z","message":{"role":"assistant","content":"Hello there, this is a canned answer."},"done":true,"done_reason":"stop","total_duration":1000,"prompt_eval_count":12,"eval_count":9}'
stream_body=""
for i in $(seq 1 20); do stream_body+='{"model":"bench:latest","created_at":"2026-11-22T00:00:00Z","message":{"role":"assistant","content":" tok"},"done":false}\n'; done
stream_body+="$chat_done\n"
openai='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"bench:latest","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, this is a canned answer.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}'
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work;
  server {
    listen 127.0.0.1:18080;
    keepalive_requests 1000000;
    location = /api/version { default_type application/json; return 200 '{"version":"0.9.0"}'; }
    location = /api/tags { default_type application/json; return 200 '{"models":[{"name":"bench:latest","model":"bench:latest","modified_at":"2026-11-01T00:00:00Z","size":1,"digest":"sha256:0","details":{}}]}'; }
    location = /api/chat { default_type application/json; return 200 '$chat_done'; }
    location = /api/chat-stream { default_type application/x-ndjson; return 200 '$(printf "$stream_body")'; }
    location = /v1/chat/completions { default_type application/json; return 200 '$openai'; }
  }
}
NGINX
# The streaming route of the fake: the gateway always posts to /api/chat, so a second nginx port answers it with NDJSON.
sed -e 's/listen 127.0.0.1:18080;/listen 127.0.0.1:18081;/' -e 's#location = /api/chat {#location = /api/chat-json {#' -e 's#location = /api/chat-stream {#location = /api/chat {#' \
  -e "s#pid $work/nginx.pid;#pid $work/nginx2.pid;#" "$work/nginx.conf" > "$work/nginx2.conf"
taskset -c 0 nginx -p "$work" -c nginx.conf
taskset -c 0 nginx -p "$work" -c nginx2.conf

dotnet publish src/Gateway -c Release -o "$work/gw" -nologo -v quiet >/dev/null
# Authentication is on, as in production: every measured request carries a stored user key (checked through the
# key cache), created with a bootstrap admin key. All gateways share one SQLite file in $work.
boot="bench-bootstrap-admin-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
start_gateway() { # $1 upstream port, $2 gateway port
  env ${GW_ENV:-} taskset -c 1 dotnet "$work/gw/SutazAi.Gateway.dll" --urls "http://127.0.0.1:$2" --Ollama:Servers:0="http://127.0.0.1:$1" \
    --Auth:BootstrapAdminKey="$boot" --Storage:DataDirectory="$work/data" --Logging:LogLevel:Default=Warning > "$work/gw-$2.log" 2>&1 &
  gw=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/health/live" >/dev/null && break; sleep 0.1; done
}
start_gateway 18080 18010
gw_json=$gw
start_gateway 18081 18011
gw_stream=$gw
KEY=$(curl -sf -H "Authorization: Bearer $boot" -H 'Content-Type: application/json' -d '{"name":"bench","role":"user"}' \
  http://127.0.0.1:18010/api/v1/auth/keys | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["key"])')

cat > "$work/chat.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer KEY"
wrk.body = '{"model":"bench:latest","stream":false,"messages":[{"role":"user","content":"Say hello"}]}'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests))
end
LUA
sed -i "s/Bearer KEY/Bearer $KEY/" "$work/chat.lua"

# Steady state: tiered JIT and dynamic PGO keep recompiling hot methods for several seconds after start,
# so each gateway first serves every measured route for WARMUP seconds.
WARMUP="${WARMUP:-10}"
for route in http://127.0.0.1:18010/api/chat http://127.0.0.1:18010/v1/chat/completions; do
  taskset -c 0 wrk -t1 -c8 -d"${WARMUP}s" -s "$work/chat.lua" "$route" >/dev/null
done
for _ in $(seq 1 2000); do
  curl -s -o /dev/null -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"model":"bench:latest","stream":true,"messages":[{"role":"user","content":"hi"}]}' http://127.0.0.1:18011/api/chat
done &
warm_stream=$!
for _ in $(seq 1 2000); do
  curl -s -o /dev/null -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"model":"bench:latest","stream":true,"messages":[{"role":"user","content":"hi"}]}' http://127.0.0.1:18011/v1/chat/completions
done
wait $warm_stream

cat > "$work/cached.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer KEY"
wrk.body = '{"model":"bench:latest","stream":false,"options":{"temperature":0},"messages":[{"role":"user","content":"Say hello"}]}'
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests))
end
LUA
sed -i "s/Bearer KEY/Bearer $KEY/" "$work/cached.lua"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
run() { # $1 label, $2 url, $3 connections, $4 pid (gateway) or empty, $5 lua script (default chat.lua)
  # warm-up, then the measured run
  local script="${5:-$work/chat.lua}"
  taskset -c 0 wrk -t1 -c"$3" -d2s -s "$script" "$2" >/dev/null
  local before=0; [ -n "$4" ] && before=$(cpu_ticks "$4")
  local line; line=$(taskset -c 0 wrk -t1 -c"$3" -d"$DURATION" -s "$script" "$2" | grep RESULT)
  local cpu="-"
  if [ -n "$4" ]; then
    local after; after=$(cpu_ticks "$4")
    local n; n=$(echo "$line" | awk '{print $5}')
    cpu=$(awk -v t=$((after - before)) -v hz="$hz" -v n="$n" 'BEGIN { printf "%.1f", t / hz / n * 1e6 }')
  fi
  echo "$line" | awk -v l="$1" -v c="$3" -v cpu="$cpu" '{ printf "| %-44s | %3d | %10.0f | %8.3f | %8.3f | %8s |\n", l, c, $2, $3, $4, cpu }'
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "| route | conns | req/s | p50 ms | p99 ms | gateway CPU µs/req |"
echo "|---|---|---|---|---|---|"
for c in 1 32; do
  run "direct nginx /api/chat" "http://127.0.0.1:18080/api/chat" $c ""
  run "gateway /api/chat (stream:false)" "http://127.0.0.1:18010/api/chat" $c "$gw_json"
  run "direct nginx /v1/chat/completions" "http://127.0.0.1:18080/v1/chat/completions" $c ""
  run "gateway /v1/chat/completions (translated)" "http://127.0.0.1:18010/v1/chat/completions" $c "$gw_json"
done
run "gateway /api/chat, response-cache hit" "http://127.0.0.1:18010/api/chat" 1 "$gw_json" "$work/cached.lua"
if command -v redis-server >/dev/null; then
  redis-server --port 18379 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --pidfile "$work/redis.pid" >/dev/null
  env ${GW_ENV:-} taskset -c 1 dotnet "$work/gw/SutazAi.Gateway.dll" --urls "http://127.0.0.1:18012" --Ollama:Servers:0="http://127.0.0.1:18080" \
    --ConnectionStrings:Redis=127.0.0.1:18379 --Auth:BootstrapAdminKey="$boot" --Storage:DataDirectory="$work/data" \
    --Logging:LogLevel:Default=Warning > "$work/gw-18012.log" 2>&1 &
  gw_redis=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:18012/health/live" >/dev/null && break; sleep 0.1; done
  taskset -c 0 wrk -t1 -c8 -d"${WARMUP}s" -s "$work/cached.lua" http://127.0.0.1:18012/api/chat >/dev/null
  run "gateway /api/chat, Redis cache hit" "http://127.0.0.1:18012/api/chat" 1 "$gw_redis" "$work/cached.lua"
  kill "$gw_redis"; kill "$(cat "$work/redis.pid")"
fi

ttfb() { # $1 url, $2 body; prints p50 and p99 of time to first byte in ms over 300 requests, and events per response
  python3 - "$1" "$2" "$KEY" <<'PY'
import http.client, json, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); body = sys.argv[2].encode(); key = sys.argv[3]
conn = http.client.HTTPConnection(u.hostname, u.port)
samples, events = [], set()
for i in range(330):
    start = time.perf_counter()
    conn.request("POST", u.path, body, {"Content-Type": "application/json", "Authorization": "Bearer " + key})
    r = conn.getresponse(); r.read(1); first = time.perf_counter() - start
    rest = r.read()
    if i >= 30: samples.append(first * 1000)
    events.add(sum(1 for l in (b"x" + rest).split(b"\n") if l.strip() and l.strip() != b"data: [DONE]"))
samples.sort()
print(f"{samples[len(samples)//2]:.3f} {samples[int(len(samples)*0.99)]:.3f} {','.join(map(str, sorted(events)))}")
PY
}
stream_ollama='{"model":"bench:latest","stream":true,"messages":[{"role":"user","content":"Say hello"}]}'
echo
echo "| stream | TTFB p50 ms | TTFB p99 ms | events per response |"
echo "|---|---|---|---|"
read -r a b e <<<"$(ttfb http://127.0.0.1:18081/api/chat "$stream_ollama")"; echo "| direct nginx /api/chat NDJSON (21 lines) | $a | $b | $e |"
read -r a b e <<<"$(ttfb http://127.0.0.1:18011/api/chat "$stream_ollama")"; echo "| gateway /api/chat NDJSON | $a | $b | $e |"
read -r a b e <<<"$(ttfb http://127.0.0.1:18011/v1/chat/completions "$stream_ollama")"; echo "| gateway /v1/chat/completions SSE | $a | $b | $e |"
kill "$gw_json" "$gw_stream" 2>/dev/null || true
gw=""
