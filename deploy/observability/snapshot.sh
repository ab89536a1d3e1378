#!/usr/bin/env bash
# Renders the dashboard from a real run, as docs/observability.md shows it:
#   1. deploy/run-local.sh starts the stack (native backends in 50 MiB cgroups where the machine allows);
#   2. a Prometheus (Debian's `prometheus`) scrapes every management port of .run/stack.env every 2 s,
#      with the alert rules loaded, its data in a temporary folder;
#   3. the load runner sends a spike (mixed legit and hostile uploads, 20/s, 12x for a third of the run);
#   4. loadtests/DashboardSnapshot runs every panel's query on Prometheus's HTTP API and draws the
#      panels into one PNG.
# Everything it started is stopped at the end. Loopback only.
#
#   deploy/observability/snapshot.sh [--out docs/images/dashboard.png] [--port 18280] [--duration 45s]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/docs/images/dashboard.png"
port=18280
duration=45s
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$(realpath -m "$2")"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    *) echo "snapshot: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v prometheus >/dev/null || { echo "snapshot: prometheus is not installed (apt-get install prometheus)" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "snapshot: building the load runner and the snapshot tool"
dotnet build -c Release "$root/loadtests/LoadRunner" -nologo -v q -clp:ErrorsOnly
dotnet build -c Release "$root/loadtests/DashboardSnapshot" -nologo -v q -clp:ErrorsOnly

rm -f "$root/.run/stack.env"
"$root/deploy/run-local.sh" --port "$port" --backends 2 >"$work/run-local.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 9000); do [[ -f "$root/.run/stack.env" ]] && break; kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/run-local.log" >&2; exit 1; }; sleep 0.1; done
[[ -f "$root/.run/stack.env" ]] || { echo "snapshot: the stack did not start in 15 min" >&2; tail -20 "$work/run-local.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$root/.run/stack.env"

hostport() { local u="${1#http://}"; echo "${u%%/*}"; }
backends=()
for i in $(seq 1 "$BACKENDS"); do v="BACKEND_${i}_MANAGEMENT_URL"; backends+=("'$(hostport "${!v}")'"); done
cp "$root/deploy/observability/alerts.yaml" "$work/alerts.yaml"
cat >"$work/prometheus.yml" <<YAML
global: {scrape_interval: 2s, evaluation_interval: 2s}
rule_files: [alerts.yaml]
scrape_configs:
  - job_name: gateway
    static_configs: [{targets: ['$(hostport "$GATEWAY_MANAGEMENT_URL")']}]
  - job_name: backend
    static_configs: [{targets: [$(IFS=,; echo "${backends[*]}")]}]
YAML
prom_port=$((port + 100))
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null && break; sleep 0.2; done

sleep 6
from=$(date +%s)
dotnet run -c Release --no-build --project "$root/loadtests/LoadRunner" -- run spike --target "$GATEWAY_URL" --rate 20 --spike-multiplier 12 \
  --duration "$duration" --warmup 0 --corpus "$root/tests/corpus" --stack-env "$root/.run/stack.env" --no-live --report "$work/report" | tail -45 || true
sleep 6
to=$(date +%s)

mkdir -p "$(dirname "$out")"
dotnet run -c Release --no-build --project "$root/loadtests/DashboardSnapshot" -- --prometheus "http://127.0.0.1:$prom_port" \
  --dashboard "$root/deploy/observability/dashboard.json" --from "$((from - 10))" --to "$to" --step 2s --rate-interval 10s --out "$out"
curl -s "http://127.0.0.1:$prom_port/api/v1/alerts" | head -c 2000; echo
