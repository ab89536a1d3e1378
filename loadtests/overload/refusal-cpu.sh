#!/usr/bin/env bash
# CPU of one refusal against one counted upload, gateway process only (user + system from /proc/PID/stat).
# Two runs against one gateway in front of one Native AOT backend in a 50 MiB cgroup:
#   1. 4 clients, nothing shed: gateway CPU / counted uploads = a (CPU of one counted upload);
#   2. CLIENTS (default 128) impatient clients with answers at once (Dispatch:ShedPause 0): most are shed;
#      b = (gateway CPU - a x counted) / shed = CPU of one refusal.
#   loadtests/overload/refusal-cpu.sh GATEWAY_DLL IMAGE [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/deploy/lib/memory.sh"
source "$root/deploy/lib/cgroup.sh"
dll=$(realpath "$1"); image=$2; seconds=${3:-8}; clients=${CLIENTS:-128}
backend="$root/backend/bin/native/ImageGateway.Backend"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
work=$(mktemp -d); pids=(); cg=""
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; sleep 0.5; [[ -n "$cg" ]] && cgroup_remove "$cg" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
wait_ready() { for _ in $(seq 1 150); do curl -sf "$1" >/dev/null && return 0; sleep 0.2; done; echo "not ready: $1" >&2; return 1; }
bytes=$((50 << 20)); bport=$(free_port); gport=$(free_port); gmport=$(free_port)
cg=$(cgroup_create "refusal-cpu-$$" "$bytes")
cgroup_exec "$cg" env ASPNETCORE_ENVIRONMENT=Production $(backend_environment "$bytes") \
  Management__Port="$(free_port)" "$backend" --contentRoot "$(dirname "$backend")" --urls "http://127.0.0.1:$bport" >"$work/b.log" 2>&1 &
pids+=($!); wait_ready "http://127.0.0.1:$bport/health/live"
env ASPNETCORE_ENVIRONMENT=Production ReverseProxy__Clusters__backends__Destinations__b1__Address="http://127.0.0.1:$bport" Dispatch__ShedPause=00:00:00 \
  Management__Port="$gmport" dotnet "$dll" --contentRoot "$(dirname "$dll")" --urls "http://127.0.0.1:$gport" >"$work/g.log" 2>&1 &
gpid=$!; pids+=($gpid); wait_ready "http://127.0.0.1:$gport/health/ready"
cpu() { awk '{print $14 + $15}' "/proc/$gpid/stat"; }   # clock ticks
tick=$(getconf CLK_TCK)
run() { # clients -> "counted shed cpu_seconds"
  local before after
  before=$(cpu)
  hey -c "$1" -z "${seconds}s" -t 30 -m POST -T application/octet-stream -D "$image" -o csv "http://127.0.0.1:$gport/count-white-pixels" >"$work/run.csv" 2>/dev/null
  after=$(cpu)
  python3 -c '
import sys
rows=[l.split(",") for l in open(sys.argv[1]) if l[:1].isdigit()]
print(sum(1 for r in rows if r[6]=="200"), sum(1 for r in rows if r[6]=="503"), (int(sys.argv[3])-int(sys.argv[2]))/int(sys.argv[4]))' "$work/run.csv" "$before" "$after" "$tick"
}
hey -c 2 -z 2s -m POST -D "$image" "http://127.0.0.1:$gport/count-white-pixels" >/dev/null 2>&1 # warm-up
read -r c1 s1 t1 < <(run 4)
read -r c2 s2 t2 < <(run "$clients")
python3 -c '
import sys
c1,s1,t1,c2,s2,t2=map(float,sys.argv[1:7])
a=t1/c1; b=(t2-a*c2)/s2 if s2 else float("nan")
print(f"run 1 (4 clients): {int(c1)} counted, {int(s1)} shed, gateway CPU {t1:.2f} s -> {a*1e6:.0f} us per counted upload")
print(f"run 2 ({sys.argv[7]} clients, ShedPause 0): {int(c2)} counted, {int(s2)} shed, gateway CPU {t2:.2f} s -> {b*1e6:.0f} us per refusal")
print(f"one refusal / one counted upload = {b/a:.3f}")' "$c1" "$s1" "$t1" "$c2" "$s2" "$t2" "$clients"
curl -s "http://127.0.0.1:$gmport/metrics" | grep '^image_gateway_dispatch_shed_total' | sed 's/otel_scope_name="ImageGateway.Gateway",//'
