#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian/Ubuntu machine with the .NET 10 SDK, and ends with one line
# "N passed, N failed, N skipped" counted from the TRX results (CI does not read dotnet test's own summary).
# Every Ollama upstream is a FakeOllama on 127.0.0.1:0 started by the tests. The store tests start their own
# throwaway PostgreSQL cluster and the cache tests their own redis-server (temporary directories, free loopback
# ports); this script only makes sure the server binaries are installed.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing PostgreSQL server binaries (Debian package postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq postgresql >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
fi

if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq redis-server >/dev/null || { echo "0 passed, 1 failed"; exit 1; }
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

dotnet build SutazAi.sln -c Release -nologo -v quiet
build=$?
if [ $build -ne 0 ]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test SutazAi.sln -c Release --no-build -nologo --logger "trx;LogFilePrefix=run" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000
status=$?

python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    skipped += int(counters.get("notExecuted", 0))
if passed + failed == 0:
    failed = 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
PY
summary=$?
[ $status -ne 0 ] && exit $status
exit $summary
