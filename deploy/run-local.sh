#!/usr/bin/env bash
# Runs the whole product on this machine: N backends on loopback ports, each in its own memory
# cgroup where the machine allows it, and the gateway in front of them. Stays in the foreground and
# supervises the backends as kubelet would: one that exits, or fails /health/live 3 times in a row,
# is restarted in the same cgroup on the same port. Ctrl-C or SIGTERM stops everything it started.
#
#   deploy/run-local.sh [--backends N] [--gateways N] [--backend-memory SIZE] [--port P]
#
# The state of the running stack (URLs, pids, cgroup folders) is written to .run/stack.env so
# load runs and tests can find the backends' cgroups.
set -euo pipefail

backends=2
gateways=1
backend_memory=50m
port=8080
configuration=Release
build=1

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  cat <<USAGE
Options:
  --backends N          number of backends (default 2)
  --gateways N          number of gateways (default 1): the first on P, the others on P+N+1.. (after the backends)
  --backend-memory SIZE memory limit of each backend: bytes or with k/m/g (default 50m)
  --port P              gateway port on 127.0.0.1 (default 8080); backends use P+1..P+N
  --no-build            use the existing Release build
  -h, --help            this text
USAGE
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --backends) backends="$2"; shift 2 ;;
    --backends=*) backends="${1#*=}"; shift ;;
    --gateways) gateways="$2"; shift 2 ;;
    --gateways=*) gateways="${1#*=}"; shift ;;
    --backend-memory) backend_memory="$2"; shift 2 ;;
    --backend-memory=*) backend_memory="${1#*=}"; shift ;;
    --port) port="$2"; shift 2 ;;
    --port=*) port="${1#*=}"; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run-local: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

[[ "$gateways" =~ ^[1-9][0-9]*$ ]] || { echo "run-local: --gateways must be a positive whole number, not '$gateways'" >&2; exit 2; }
[[ "$backends" =~ ^[1-9][0-9]*$ ]] || { echo "run-local: --backends must be a positive whole number, not '$backends'" >&2; exit 2; }
[[ "$port" =~ ^[0-9]+$ ]] && (( port > 0 && port + backends + gateways < 65536 )) || { echo "run-local: --port must be 1..$((65535 - backends)), not '$port'" >&2; exit 2; }

to_bytes() {
  local v="${1,,}"
  case "$v" in
    *k) echo $(( ${v%k} * 1024 )) ;;
    *m) echo $(( ${v%m} * 1024 * 1024 )) ;;
    *g) echo $(( ${v%g} * 1024 * 1024 * 1024 )) ;;
    *[!0-9]*|'') return 1 ;;
    *) echo "$v" ;;
  esac
}
memory_bytes=$(to_bytes "$backend_memory") || { echo "run-local: --backend-memory must be like 50m, 512k, 1g or bytes, not '$backend_memory'" >&2; exit 2; }
(( memory_bytes >= 32 * 1024 * 1024 )) || { echo "run-local: --backend-memory must be at least 32m" >&2; exit 2; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_dir="$root/.run"
mkdir -p "$run_dir/logs"
source "$root/deploy/lib/memory.sh"
source "$root/deploy/lib/cgroup.sh"

# Backends run Native AOT, the form that serves in a cold 50 MiB container (docs/backend.md, "Form and
# GC settings"); where it cannot be published (no clang), they fall back to the JIT build, with a warning.
backend_native="$root/backend/bin/native/ImageGateway.Backend"
backend_dll="$root/backend/bin/$configuration/net10.0/ImageGateway.Backend.dll"
if (( build )); then
  echo "run-local: building (Release; backend Native AOT)..."
  if ! "$root/backend/publish-native.sh" >/dev/null; then
    rm -f "$backend_native"
    echo "run-local: WARNING: the backend could not be published Native AOT; running its JIT build, which thrashes in small cgroups" >&2
    dotnet build "$root/backend/Backend.csproj" -c "$configuration" -nologo -v quiet -clp:ErrorsOnly
  fi
  dotnet build "$root/gateway/Gateway.csproj" -c "$configuration" -nologo -v quiet -clp:ErrorsOnly
fi
if [[ -x "$backend_native" ]]; then backend_cmd=("$backend_native"); else backend_cmd=(dotnet "$backend_dll"); fi
# The JIT runtime's own files fill a 50 MiB cgroup before the first request (docs/backend.md, "Form and
# GC settings"): rather than start backends that thrash, give the JIT form room and say so.
jit_floor=$((256 * 1024 * 1024))
if [[ ! -x "$backend_native" ]] && (( memory_bytes < jit_floor )); then
  echo "run-local: WARNING: the JIT backend does not serve in $backend_memory; each backend gets 256m instead (install clang and zlib1g-dev for the 50 MiB native form)" >&2
  memory_bytes=$jit_floor
  backend_memory=256m
fi
gateway_dll="$root/gateway/bin/$configuration/net10.0/ImageGateway.Gateway.dll"

pids=()
backend_pids=()
cgroups=()
stopping=0
stop_all() {
  (( stopping )) && return
  stopping=1
  # Only the processes running now: a backend restarted by the supervision left its old pid behind.
  local running=("${backend_pids[@]}" ${gateway_pid:+"$gateway_pid"})
  echo "run-local: stopping ${#running[@]} processes..."
  for pid in "${running[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${running[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  for cg in "${cgroups[@]}"; do cgroup_remove "$cg"; done
  rm -f "$run_dir/stack.env"
  echo "run-local: stopped"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

http_status() {
  # Prints the HTTP status of GET $1, or 000 when nothing answers. curl when present, else bash.
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" || true
  else
    local hostport="${1#http://}"; hostport="${hostport%%/*}"; local path="/${1#http://*/}"
    ( exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}" && printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport" >&3 \
      && head -c 12 <&3 | cut -c10-12 ) 2>/dev/null || echo 000
  fi
}

wait_ready() { # url name pid
  for _ in $(seq 1 600); do
    [[ "$(http_status "$1")" == 200 ]] && return 0
    kill -0 "$3" 2>/dev/null || { echo "run-local: $2 exited; see $run_dir/logs/$2.log" >&2; tail -20 "$run_dir/logs/$2.log" >&2; return 1; }
    sleep 0.1
  done
  echo "run-local: $2 did not become ready in 60 s; see $run_dir/logs/$2.log" >&2
  return 1
}

# The memory split for each backend's container (server and worker heap limits, decode workers,
# budget): one rule, deploy/lib/memory.sh, for this machine's CPUs.
mapfile -t memory_split < <(backend_environment "$memory_bytes" "$(nproc)")

free_port() { # a loopback port nothing answers on: each app's management port (/metrics, detailed health)
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}
why_no_cgroup=$(cgroup_unavailable_reason || true)
if [[ -n "$why_no_cgroup" ]]; then
  echo "run-local: backends run WITHOUT a memory cgroup: $why_no_cgroup"
fi

state=("GATEWAY_URL=http://127.0.0.1:$port" "BACKENDS=$backends" "BACKEND_MEMORY_BYTES=$memory_bytes")
gateway_env=()
backend_cgroups=()
backend_restarts=()
backend_mports=()
liveness_failures=()

# start_backend I: starts backend I (again) on port P+I in its cgroup, made on the first start, with
# the management port it was given on the first start.
start_backend() {
  local i=$1 name="backend$1" bport=$((port + $1)) cg=${backend_cgroups[$1]:-}
  backend_mports[$i]=${backend_mports[$i]:-$(free_port)}
  if [[ -z "$cg" && -z "$why_no_cgroup" ]]; then
    cg=$(cgroup_create "image-gateway-$name-$$" "$memory_bytes")
    cgroups+=("$cg")
    backend_cgroups[$i]=$cg
  fi
  cgroup_exec "$cg" env ASPNETCORE_ENVIRONMENT=Production "Management__Port=${backend_mports[$i]}" "${memory_split[@]}" \
    "${backend_cmd[@]}" --contentRoot "$(dirname "${backend_cmd[-1]}")" --urls "http://127.0.0.1:$bport" >>"$run_dir/logs/$name.log" 2>&1 &
  backend_pids[$i]=$!
  pids+=("$!")
  liveness_failures[$i]=0
}

# write_state: .run/stack.env with every process's current pid.
write_state() {
  local lines=("${state[@]}")
  for i in $(seq 1 "$backends"); do
    lines+=("BACKEND_${i}_URL=http://127.0.0.1:$((port + i))" "BACKEND_${i}_MANAGEMENT_URL=http://127.0.0.1:${backend_mports[$i]}"
      "BACKEND_${i}_PID=${backend_pids[$i]}" "BACKEND_${i}_CGROUP=${backend_cgroups[$i]:-}" "BACKEND_${i}_RESTARTS=${backend_restarts[$i]:-0}")
  done
  printf '%s\n' "${lines[@]}" >"$run_dir/stack.env"
}

for i in $(seq 1 "$backends"); do
  : >"$run_dir/logs/backend$i.log"
  start_backend "$i"
  backend_restarts[$i]=0
  gateway_env+=("ReverseProxy__Clusters__backends__Destinations__backend${i}__Address=http://127.0.0.1:$((port + i))")
  where=${backend_cgroups[$i]:+$backend_memory in cgroup ${backend_cgroups[$i]}}
  echo "run-local: backend$i on http://127.0.0.1:$((port + i)) (pid ${backend_pids[$i]}, management port ${backend_mports[$i]}, memory limit ${where:-none}; ${memory_split[*]})"
done

for i in $(seq 1 "$backends"); do
  wait_ready "http://127.0.0.1:$((port + i))/health/ready" "backend$i" "${backend_pids[$i]}"
done

# Gateway g listens on P (g = 1) or P+N+g-1: several gateways share the backends, as replicas do.
gateway_urls=()
for g in $(seq 1 "$gateways"); do
  gport=$(( g == 1 ? port : port + backends + g - 1 ))
  gname="gateway"; (( g == 1 )) || gname="gateway$g"
  gateway_mport=$(free_port)
  env ASPNETCORE_ENVIRONMENT=Production Management__Port="$gateway_mport" "${gateway_env[@]}" \
    dotnet "$gateway_dll" --contentRoot "$(dirname "$gateway_dll")" --urls "http://127.0.0.1:$gport" >"$run_dir/logs/$gname.log" 2>&1 &
  gateway_pid=$!
  pids+=("$gateway_pid")
  gateway_urls+=("http://127.0.0.1:$gport")
  if (( g == 1 )); then
    state+=("GATEWAY_PID=$gateway_pid" "GATEWAY_MANAGEMENT_URL=http://127.0.0.1:$gateway_mport")
  fi
  state+=("GATEWAY_${g}_URL=http://127.0.0.1:$gport" "GATEWAY_${g}_PID=$gateway_pid" "GATEWAY_${g}_MANAGEMENT_URL=http://127.0.0.1:$gateway_mport")
  wait_ready "http://127.0.0.1:$gport/health/ready" "$gname" "$gateway_pid"
done
state+=("GATEWAYS=$gateways" "GATEWAY_URLS=${gateway_urls[*]}")

write_state
echo "run-local: ready at ${gateway_urls[*]} (state and every management URL in .run/stack.env, logs in .run/logs/; Ctrl-C stops)"

# restart_backend I WHY: what kubelet does with a container that died or failed its liveness probe:
# kill what is left of it (the server and any decode worker in its cgroup), start it again in the
# same cgroup on the same port, and say so.
restart_backend() {
  local i=$1 why=$2 old=${backend_pids[$1]} cg=${backend_cgroups[$1]:-}
  backend_restarts[$i]=$(( ${backend_restarts[$i]:-0} + 1 ))
  echo "run-local: backend$i (pid $old) $why; restarting it (restart ${backend_restarts[$i]}) in the same cgroup on port $((port + i))" >&2
  kill -KILL "$old" 2>/dev/null || true
  if [[ -n "$cg" && -f "$cg/cgroup.procs" ]]; then
    while read -r leftover; do [[ -n "$leftover" ]] && kill -KILL "$leftover" 2>/dev/null; done <"$cg/cgroup.procs"
  else
    for child in $(ps -o pid= --ppid "$old" 2>/dev/null); do kill -KILL "$child" 2>/dev/null || true; done
  fi
  wait "$old" 2>/dev/null || true
  start_backend "$i"
  write_state
}

# Supervise until a signal arrives: a backend that exits, or whose /health/live fails
# $liveness_threshold times in a row (one probe a second, 2 s timeout), is restarted, as kubelet would.
liveness_threshold=3
gateway_reported=0
while true; do
  for i in $(seq 1 "$backends"); do
    pid=${backend_pids[$i]}
    if ! kill -0 "$pid" 2>/dev/null; then
      code=0
      wait "$pid" 2>/dev/null || code=$?
      restart_backend "$i" "exited (status $code)"
    elif [[ "$(http_status "http://127.0.0.1:$((port + i))/health/live")" == 200 ]]; then
      liveness_failures[$i]=0
    else
      liveness_failures[$i]=$(( ${liveness_failures[$i]} + 1 ))
      if (( liveness_failures[i] >= liveness_threshold )); then
        restart_backend "$i" "failed /health/live $liveness_threshold times in a row"
      fi
    fi
  done
  if (( ! gateway_reported )) && ! kill -0 "$gateway_pid" 2>/dev/null; then
    echo "run-local: the gateway (pid $gateway_pid) exited; see .run/logs/gateway.log (the backends keep running)" >&2
    gateway_reported=1
  fi
  sleep 1 & wait $! || true
done
