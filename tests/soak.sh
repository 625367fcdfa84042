#!/usr/bin/env bash
# The workflow and end-to-end suites RUNS times in a row with BURN processes each burning a core
# beside them, as a busy CI machine would: a test that fails one time in twenty shows here, not
# in CI. Stops at the first failure and keeps every run's log (SOAK_LOGS, var/soak by default).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${RUNS:-20}
burn=${BURN:-2}
logs=${SOAK_LOGS:-var/soak}
read -r -a suites <<< "${SOAK_TESTS:-tests/workflows tests/e2e}"
mkdir -p "$logs"

burners=()
for _ in $(seq 1 "$burn"); do
    yes > /dev/null &
    burners+=($!)
done
trap 'if [ ${#burners[@]} -gt 0 ]; then kill "${burners[@]}" 2>/dev/null; fi' EXIT

for i in $(seq 1 "$runs"); do
    start=$SECONDS
    status=passed
    .venv/bin/pytest -q -p no:cacheprovider "${suites[@]}" > "$logs/run-$i.log" 2>&1 || status=FAILED
    load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo -)
    echo "run $i/$runs $status in $((SECONDS - start)) s, load $load: $(grep . "$logs/run-$i.log" | tail -1)" \
        | tee -a "$logs/summary"
    [ "$status" = passed ] || exit 1
done
