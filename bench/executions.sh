#!/usr/bin/env bash
# Memory per running agent execution: a fake Ollama on loopback (python) holds every /api/chat request open until the
# measurement is taken, so N executions (N workers) are all mid-run at once. RSS and the managed heap are read before
# any execution starts (after a warm-up execution) and while all N are running; the difference divided by N is the
# cost of one running execution (its task, lease and heartbeat, agent run, tool loop, upstream request).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-200}"; PORT="${PORT:-18412}"; FAKE="${FAKE:-18413}"
work="$(mktemp -d)"
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/fake.py" <<'PY'
import json, os, sys, threading, time
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
release = threading.Event()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self):
        if self.path == "/release": release.set(); return self.reply({})
        self.reply({"models": [{"name": "llama3:latest", "model": "llama3:latest", "size": 1, "digest": "x", "details": {}}]} if self.path == "/api/tags" else {"version": "0.12.0"})
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path == "/api/chat" and body["messages"][-1]["content"] != "warm-up":
            release.wait(600)
        self.reply({"model": "llama3:latest", "created_at": "2026-11-22T00:00:00Z", "message": {"role": "assistant", "content": "done"}, "done": True,
                    "done_reason": "stop", "prompt_eval_count": 10, "eval_count": 2})
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$work/fake.py" "$FAKE" 2>/dev/null & pids+=($!)
dotnet publish src/Gateway -c Release -o "$work/gw" -nologo -v quiet >/dev/null
dotnet "$work/gw/SutazAi.Gateway.dll" --urls "http://127.0.0.1:$PORT" --Auth:Enabled=false --Ollama:Servers:0="http://127.0.0.1:$FAKE" --Storage:DataDirectory="$work/data" \
  --Tasks:Workers="$N" --Tasks:PollInterval=00:00:00.050 --Ollama:MaxConnectionsPerServer=1000 --Ollama:ResponseTimeout=00:10:00 --Ollama:FirstByteTimeout=00:10:00 \
  --Logging:LogLevel:Default=Warning > "$work/gw.log" 2>&1 &
gw=$!; pids+=($gw)
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/health/live" >/dev/null && break; sleep 0.05; done

python3 - "$PORT" "$FAKE" "$N" "$gw" <<'PY'
import http.client, json, sys, time
port, fake, n, pid = (int(a) for a in sys.argv[1:])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
def call(method, path, body=None):
    c.request(method, path, body=None if body is None else json.dumps(body), headers={"Content-Type": "application/json"})
    r = c.getresponse(); data = json.loads(r.read() or b"null")
    if r.status >= 300: raise SystemExit(f"{method} {path}: {r.status} {data}")
    return data["data"] if isinstance(data, dict) and "data" in data else data
def memory():
    rss = next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:")) / 1024
    return rss
call("POST", "/api/v1/agents", {"name": "bench", "config": {"model_name": "llama3", "tools": ["calculator"], "timeout_seconds": 600}})
warm = call("POST", "/api/v1/agents/bench/execute", {"task": "warm-up"})
while call("GET", f"/api/v1/agents/bench/executions/{warm['execution_id']}")["status"] != "completed": time.sleep(0.05)
time.sleep(1)
before = memory()
for i in range(n):
    call("POST", "/api/v1/agents/bench/execute", {"task": f"job {i}"})
deadline = time.time() + 120
while call("GET", "/api/v1/agents/bench/state")["executions"].get("running", 0) < n:
    if time.time() > deadline: raise SystemExit("not all executions started")
    time.sleep(0.1)
time.sleep(1)
during = memory()
print(f"{n} executions running at once: RSS {before:.0f} MB before, {during:.0f} MB during -> {(during - before) * 1024 / n:.0f} KB per running execution")
http.client.HTTPConnection("127.0.0.1", fake).request("GET", "/release")
deadline = time.time() + 120
while call("GET", "/api/v1/agents/bench/state")["executions"].get("completed", 0) < n + 1:
    if time.time() > deadline: raise SystemExit("not all executions completed")
    time.sleep(0.1)
print(f"all {n} completed")
PY
