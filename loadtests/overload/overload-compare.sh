#!/usr/bin/env bash
# Overload steps, several gateway builds compared in the same run: each build gets its own stack
# (its own Native AOT backends in memory cgroups, GATEWAYS gateways in front), and every client step
# runs on each stack in turn, so a shared, noisy machine weighs on all builds alike.
#
#   loadtests/overload/overload-compare.sh NAME=GATEWAY_DLL[,NAME=GATEWAY_DLL...] BACKEND_MEMORIES IMAGES [STEPS] [SECONDS]
#     NAME=GATEWAY_DLL  e.g. today=/tmp/main/gateway/bin/Release/net10.0/ImageGateway.Gateway.dll,new=$PWD/gateway/bin/Release/net10.0/ImageGateway.Gateway.dll
#     BACKEND_MEMORIES  comma-separated cgroup limits, one backend each (e.g. 50m or 50m,256m)
#     IMAGES            comma-separated image files; a step's clients are split evenly between them
#     STEPS             client counts (default "2 8 16 32 64 128"); SECONDS per step (default 8)
# Environment: CLIENT=hey (default; ignores Retry-After) or CLIENT=runner (loadtests/LoadRunner's
# overload scenario, Release build) with RETRY_AFTER=honour|ignore; GATEWAYS=N gateways per stack
# (clients split between them); GATEWAY_ENV_<NAME>="Key=Value ..." extra settings for one build.
# Prints per step and build: counted/s per image, shed/s (503), other answers/s, p50/p99 of counted
# uploads, and 503s the backends gave themselves; at the end each backend cgroup's OOM kills.
# Needs hey, backend/bin/native (backend/publish-native.sh), python3, root for the cgroups.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/deploy/lib/memory.sh"
source "$root/deploy/lib/cgroup.sh"
builds=$1; memories=$2; images=$3; steps=${4:-"2 8 16 32 64 128"}; seconds=${5:-8}; gateways=${GATEWAYS:-1}
backend="$root/backend/bin/native/ImageGateway.Backend"
[[ -x "$backend" ]] || { echo "publish the native backend first: backend/publish-native.sh" >&2; exit 2; }
to_bytes() { local v="${1,,}"; case "$v" in *k) echo $(( ${v%k} << 10 ));; *m) echo $(( ${v%m} << 20 ));; *g) echo $(( ${v%g} << 30 ));; *) echo "$v";; esac; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
work=$(mktemp -d); pids=(); cgroups=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; sleep 0.5; for c in "${cgroups[@]}"; do cgroup_remove "$c" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
wait_ready() { for _ in $(seq 1 150); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done; echo "not ready: $1" >&2; tail -n 30 "$work"/*.log >&2; return 1; }
backend_refusals() { # sum of image_gateway_counting_requests_total{image_gateway_outcome="overloaded"} over a stack's backends' management ports
  local total=0 n
  for url in $(cat "$work/$1.management"); do
    n=$(curl -s "$url/metrics" | awk '/^image_gateway_counting_requests_total\{.*image_gateway_outcome="overloaded"/{s+=$2} END{print s+0}')
    total=$(python3 -c "print(int($total + $n))")
  done
  echo "$total"
}

IFS=, read -ra limits <<<"$memories"
IFS=, read -ra build_list <<<"$builds"
names=()
for build in "${build_list[@]}"; do
  name=${build%%=*}; dll=$(realpath "${build#*=}"); names+=("$name")
  gateway_env=(); : >"$work/$name.backends"; : >"$work/$name.management"; i=0
  for limit in "${limits[@]}"; do
    i=$((i + 1)); bytes=$(to_bytes "$limit"); port=$(free_port); mport=$(free_port)
    cg=$(cgroup_create "overload-$name-b$i-$$" "$bytes"); cgroups+=("$cg"); echo "$cg" >>"$work/$name.cgroups"
    cgroup_exec "$cg" env ASPNETCORE_ENVIRONMENT=Production $(backend_environment "$bytes") Management__Port="$mport" "$backend" --contentRoot "$(dirname "$backend")" --urls "http://127.0.0.1:$port" >"$work/$name-b$i.log" 2>&1 &
    pids+=($!)
    wait_ready "http://127.0.0.1:$port/health/live"
    echo "http://127.0.0.1:$port" >>"$work/$name.backends"; echo "http://127.0.0.1:$mport" >>"$work/$name.management"
    gateway_env+=("ReverseProxy__Clusters__backends__Destinations__b${i}__Address=http://127.0.0.1:$port")
  done
  extra_var="GATEWAY_ENV_${name}"; : >"$work/$name.gateways"
  for g in $(seq 1 "$gateways"); do
    gport=$(free_port)
    # shellcheck disable=SC2086
    env ASPNETCORE_ENVIRONMENT=Production Management__Port="$(free_port)" "${gateway_env[@]}" ${!extra_var:-} dotnet "$dll" --contentRoot "$(dirname "$dll")" \
      --urls "http://127.0.0.1:$gport" >"$work/$name-g$g.log" 2>&1 &
    pids+=($!)
    wait_ready "http://127.0.0.1:$gport/health/ready"
    echo "http://127.0.0.1:$gport" >>"$work/$name.gateways"
  done
done
sleep 3 # first health probes (load reports) arrive

IFS=, read -ra files <<<"$images"
echo "$(date -u +%Y-%m-%dT%H:%MZ) builds: ${names[*]}; backends $memories x$gateways gateway(s); images ${files[*]##*/}; ${seconds}s per step; client ${CLIENT:-hey}${RETRY_AFTER:+ ($RETRY_AFTER Retry-After)}"
echo "clients build   counted/s(per image)        shed/s other/s p50ms p99ms backend503"
for clients in $steps; do
  for name in "${names[@]}"; do
    mapfile -t urls <"$work/$name.gateways"
    before=$(backend_refusals "$name")
    rm -f "$work"/step-*.csv; client_pids=(); n=0
    per=$(( (clients + ${#files[@]} * ${#urls[@]} - 1) / (${#files[@]} * ${#urls[@]}) ))
    for url in "${urls[@]}"; do
      for f in "${files[@]}"; do
        n=$((n + 1))
        if [[ "${CLIENT:-hey}" == runner ]]; then
          dotnet "$root/loadtests/LoadRunner/bin/Release/net10.0/ImageGateway.LoadRunner.dll" run overload --target "$url" \
            --steps "$per" --step-duration "${seconds}s" --retry-after "${RETRY_AFTER:-honour}" --timeout 30s --image "$f" \
            --no-live --gateway-metrics none --report "$work/report-$n" >/dev/null 2>&1 &
        else
          hey -c "$per" -z "${seconds}s" -t 30 -m POST -T application/octet-stream -D "$f" -o csv \
            "$url/count-white-pixels" >"$work/step-$n-${f##*/}.csv" 2>/dev/null &
        fi
        client_pids+=($!)
      done
    done
    wait "${client_pids[@]}" || true
    after=$(backend_refusals "$name")
    if [[ "${CLIENT:-hey}" == runner ]]; then
      for d in "$work"/report-*; do python3 -c '
import json,sys
s=json.load(open(sys.argv[1]+"/overload.json"))[0]
print("x", s["Counted"], s["Shed"], s["Failed"], s["P50Milliseconds"], s["P99Milliseconds"], s["Sent"])' "$d"; done >"$work/runner.txt"
      python3 -c '
import sys
rows=[l.split() for l in open(sys.argv[1])]
secs=float(sys.argv[4]); counted=sum(int(r[1]) for r in rows); shed=sum(int(r[2]) for r in rows); failed=sum(int(r[3]) for r in rows)
p50=max(float(r[4]) for r in rows); p99=max(float(r[5]) for r in rows); blank=""
print(f"{sys.argv[2]:>7} {sys.argv[3]:<7} {counted/secs:8.1f} {blank:18} {shed/secs:6.1f} {failed/secs:7.1f} {p50:5.0f} {p99:5.0f} {int(sys.argv[5])-int(sys.argv[6]):10d}")
' "$work/runner.txt" "$clients" "$name" "$seconds" "$after" "$before"
      rm -rf "$work"/report-*
    else
      python3 -c '
import sys,glob,os
secs=float(sys.argv[3]); per_image={}; ok=[]; codes={}
for path in sorted(glob.glob(sys.argv[4]+"/step-*.csv")):
    image=path.split("-",2)[2][:-4]
    for l in open(path):
        if not l[:1].isdigit(): continue
        r=l.strip().split(","); codes[r[6]]=codes.get(r[6],0)+1
        if r[6]=="200": ok.append(float(r[0])); per_image[image]=per_image.get(image,0)+1
ok.sort(); total=sum(codes.values()); shed=codes.get("503",0); other=total-len(ok)-shed
pct=lambda p: ok[min(len(ok)-1,int(p*len(ok)))]*1000 if ok else float("nan")
images="(" + " ".join(f"{k}:{v/secs:.1f}" for k,v in sorted(per_image.items())) + ")"
print(f"{sys.argv[1]:>7} {sys.argv[2]:<7} {len(ok)/secs:8.1f} {images:<18} {shed/secs:6.1f} {other/secs:7.1f} {pct(0.5):5.0f} {pct(0.99):5.0f} {int(sys.argv[5])-int(sys.argv[6]):10d}")
' "$clients" "$name" "$seconds" "$work" "$after" "$before"
    fi
  done
done
for name in "${names[@]}"; do
  for c in $(cat "$work/$name.cgroups"); do echo "$name oom_kill $(basename "$c"): $(cgroup_oom_kills "$c")"; done
  # A backend whose /health/ready says not ready (e.g. its budget full) is taken out of rotation: 503 no-healthy-backend.
  echo "$name gateway answers with no available destination (503 no-healthy-backend): $(cat "$work/$name"-g*.log | grep -a -c 'NoAvailableDestinations' || true)"
done
