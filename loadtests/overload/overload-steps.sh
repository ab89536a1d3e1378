#!/usr/bin/env bash
# Overload steps: closed-loop clients that ignore Retry-After (hey), stepped up, against one gateway in
# front of Native AOT backends in memory cgroups. Prints one line per step: goodput (200/s), shed (503/s),
# other answers, p50/p99 of the counted (200) requests, and at the end each backend cgroup's OOM kills.
#
#   loadtests/overload/overload-steps.sh GATEWAY_DLL BACKEND_MEMORIES IMAGES [STEPS] [SECONDS]
#     GATEWAY_DLL       the gateway build to measure (e.g. gateway/bin/Release/net10.0/ImageGateway.Gateway.dll)
#     BACKEND_MEMORIES  comma-separated cgroup limits, one backend each (e.g. 50m or 50m,50m)
#     IMAGES            comma-separated image files; the clients of a step are split evenly between them
#     STEPS             client counts (default "2 8 16 32 64 128"); SECONDS per step (default 8)
# Extra gateway settings come from the environment as GATEWAY_ENV="Key=Value Key2=Value2".
# CLIENT=hey (default: hey, which ignores Retry-After) or CLIENT=runner with RETRY_AFTER=honour|ignore
# (loadtests/LoadRunner's overload scenario, built in Release; REPORT=folder for its report and chart).
# Needs: hey, backend/bin/native (backend/publish-native.sh), root for the cgroups.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/deploy/lib/memory.sh"
source "$root/deploy/lib/cgroup.sh"
gateway_dll=$1; memories=$2; images=$3; steps=${4:-"2 8 16 32 64 128"}; seconds=${5:-8}
backend="$root/backend/bin/native/ImageGateway.Backend"
[[ -x "$backend" ]] || { echo "publish the native backend first: backend/publish-native.sh" >&2; exit 2; }
to_bytes() { local v="${1,,}"; case "$v" in *k) echo $(( ${v%k} << 10 ));; *m) echo $(( ${v%m} << 20 ));; *g) echo $(( ${v%g} << 30 ));; *) echo "$v";; esac; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
work=$(mktemp -d); pids=(); cgroups=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; sleep 0.5; for c in "${cgroups[@]}"; do cgroup_remove "$c" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
wait_ready() { for _ in $(seq 1 150); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done; echo "not ready: $1" >&2; tail -n 30 "$work"/*.log >&2; return 1; }

gateway_env=(); i=0
IFS=, read -ra limits <<<"$memories"
for limit in "${limits[@]}"; do
  i=$((i + 1)); bytes=$(to_bytes "$limit"); port=$(free_port)
  cg=$(cgroup_create "overload-b$i-$$" "$bytes"); cgroups+=("$cg")
  cgroup_exec "$cg" env ASPNETCORE_ENVIRONMENT=Production DOTNET_GCHeapHardLimit="$(gc_heap_hard_limit_hex "$bytes")" \
    Memory__ContainerLimitBytes="$bytes" "$backend" --contentRoot "$(dirname "$backend")" --urls "http://127.0.0.1:$port" >"$work/b$i.log" 2>&1 &
  pids+=($!)
  wait_ready "http://127.0.0.1:$port/health/live"
  gateway_env+=("ReverseProxy__Clusters__backends__Destinations__b${i}__Address=http://127.0.0.1:$port")
done
gport=$(free_port)
# shellcheck disable=SC2086
env ASPNETCORE_ENVIRONMENT=Production "${gateway_env[@]}" ${GATEWAY_ENV:-} dotnet "$gateway_dll" --contentRoot "$(dirname "$gateway_dll")" \
  --urls "http://127.0.0.1:$gport" >"$work/gateway.log" 2>&1 &
pids+=($!)
wait_ready "http://127.0.0.1:$gport/health/ready"
sleep 3 # first health probes (load reports) arrive

IFS=, read -ra files <<<"$images"
if [[ "${CLIENT:-hey}" == runner ]]; then
  image_args=(); for f in "${files[@]}"; do image_args+=(--image "$f"); done
  dotnet "$root/loadtests/LoadRunner/bin/Release/net10.0/ImageGateway.LoadRunner.dll" --target "http://127.0.0.1:$gport" --scenario overload \
    --steps "$(tr ' ' , <<<"$steps")" --step-duration "${seconds}s" --retry-after "${RETRY_AFTER:-honour}" --timeout 30s "${image_args[@]}" \
    --no-live --gateway-metrics none --report "${REPORT:-$work/report}" | grep -v "^loadrunner: report" || true
  steps=""
else
echo "clients goodput/s shed/s other/s p50_ms p99_ms (200 only) statuses"
for clients in $steps; do
  per=$(( (clients + ${#files[@]} - 1) / ${#files[@]} )); hey_pids=(); n=0
  for f in "${files[@]}"; do
    n=$((n + 1))
    hey -c "$per" -z "${seconds}s" -t 30 -m POST -T application/octet-stream -D "$f" -o csv \
      "http://127.0.0.1:$gport/count-white-pixels" >"$work/step$clients-$n.csv" 2>/dev/null &
    hey_pids+=($!)
  done
  wait "${hey_pids[@]}"
  cat "$work"/step$clients-*.csv | python3 -c '
import sys
rows=[l.strip().split(",") for l in sys.stdin if l[:1].isdigit()]
secs=float(sys.argv[2]); ok=sorted(float(r[0]) for r in rows if r[6]=="200")
codes={}
for r in rows: codes[r[6]]=codes.get(r[6],0)+1
shed=codes.get("503",0); other=len(rows)-len(ok)-shed
pct=lambda p: ok[min(len(ok)-1,int(p*len(ok)))]*1000 if ok else float("nan")
print(f"{sys.argv[1]:>7} {len(ok)/secs:9.1f} {shed/secs:6.1f} {other/secs:7.1f} {pct(0.5):6.0f} {pct(0.99):6.0f} {dict(sorted(codes.items()))}")
' "$clients" "$seconds"
done
fi
for c in "${cgroups[@]}"; do echo "oom_kill $(basename "$c"): $(awk '/oom_kill /{print $2}' "$c/memory.oom_control")"; done
grep -c "Not admitted" "$work"/b*.log | sed 's/^/backend refusals (503 from a backend) /' || true
