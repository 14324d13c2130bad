#!/usr/bin/env bash
# Upload JUnit results from the shell, the way a CI step does.
#
# Against the built-in emulator (no account needed):   bash examples/upload_from_shell.sh
# Against PractiTest: export PRACTITEST_TOKEN (and PRACTITEST_BASE_URL for the EU) and run
#   practitest-async upload reports/ --project 4566 --set "Nightly" --journal .pt-journal.sqlite
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8765}"
# The emulator, with PractiTest's 30 calls per window (the window shortened to 2 s).
practitest-async emulator --port "$PORT" --limit 30 --window 2 >/dev/null &
EMULATOR=$!
trap 'kill $EMULATOR' EXIT
for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done

export PRACTITEST_TOKEN=test-token              # the emulator's token
export PRACTITEST_BASE_URL="http://127.0.0.1:$PORT"
export PRACTITEST_RATE_PERIOD=2                 # match the emulator's short window

set +e
practitest-async upload examples/junit --project 1 --set "Nightly" \
    --version "1.4.2" --summary-json /tmp/practitest-summary.json
status=$?
set -e
echo "practitest-async exited with $status; summary in /tmp/practitest-summary.json"
exit $status
