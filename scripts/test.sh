#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian/Ubuntu machine with the .NET 10 SDK, and ends with one line
# "N passed, N failed, N skipped" counted from the TRX results (CI does not read dotnet test's own summary).
# The suite needs no external service yet: every upstream is a FakeOllama on 127.0.0.1:0 started by the tests.
set -uo pipefail
cd "$(dirname "$0")/.."

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
