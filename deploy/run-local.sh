#!/usr/bin/env bash
# Runs the whole product on this machine: N backends on loopback ports, each in its own memory
# cgroup where the machine allows it, and the gateway in front of them. Stays in the foreground and
# supervises the backends as kubelet would: one that exits, or fails /health/live 3 times in a row,
# is restarted in the same cgroup on the same port. Ctrl-C or SIGTERM stops everything it started.
#
#   deploy/run-local.sh [--backends N] [--gateways N] [--backend-memory SIZE] [--port P] [--no-build]
#   deploy/run-local.sh --stop
#
# Every port it will listen on must be free: if one is taken (another stack, or anything else) it
# names the port and its holder and exits 1 before building, starting or writing anything.
# The state of the running stack (URLs, pids, cgroup folders, LAUNCHER_PID) is written to
# .run/stack.env so load runs and tests can find the backends' cgroups; logs go to .run/logs/.
# A stack started in the background (`deploy/run-local.sh &`) is stopped by SIGTERM to the launcher:
# `deploy/run-local.sh --stop` (waits until everything is gone), `kill %1` from the same shell, or
# `kill $(. .run/stack.env; echo $LAUNCHER_PID)`. Killing a backend instead only gets it restarted.
set -euo pipefail

backends=2
gateways=1
backend_memory=50m
port=8080
configuration=Release
build=1
stop=0
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_dir="$root/.run"

usage() {
  # The comment block at the top of this file, up to its first line of code.
  awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"
  echo
  cat <<USAGE
Options:
  --backends N          number of backends (default 2)
  --gateways N          number of gateways (default 1): the first on P, the others on P+N+1.. (after the backends)
  --backend-memory SIZE memory limit of each backend: bytes or with k/m/g (default 50m)
  --port P              gateway port on 127.0.0.1 (default 8080); backends use P+1..P+N
  --no-build            use the existing Release build
  --stop                stop the stack named in .run/stack.env (SIGTERM to its launcher) and wait for it
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
    --stop) stop=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run-local: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

[[ "$gateways" =~ ^[1-9][0-9]*$ ]] || { echo "run-local: --gateways must be a positive whole number, not '$gateways'" >&2; exit 2; }
[[ "$backends" =~ ^[1-9][0-9]*$ ]] || { echo "run-local: --backends must be a positive whole number, not '$backends'" >&2; exit 2; }
[[ "$port" =~ ^[0-9]+$ ]] && (( port > 0 && port + backends + gateways < 65536 )) || { echo "run-local: --port must be 1..$((65535 - backends - gateways)), not '$port'" >&2; exit 2; }

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

# stop_stack: --stop. SIGTERM to the launcher named in .run/stack.env (only if that pid is still a
# run-local.sh: a stale file may name a pid reused since), then wait until it has stopped everything.
stop_stack() {
  local file="$run_dir/stack.env" pid
  [[ -f "$file" ]] || { echo "run-local: no stack to stop: $file does not exist" >&2; return 1; }
  pid=$(sed -n 's/^LAUNCHER_PID=//p' "$file")
  if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! grep -qa 'run-local\.sh' "/proc/$pid/cmdline" 2>/dev/null; then
    echo "run-local: the launcher named in $file (LAUNCHER_PID=${pid:-none}) is not running" >&2
    return 1
  fi
  echo "run-local: stopping the stack of launcher pid $pid..."
  kill -TERM "$pid"
  for _ in $(seq 1 1200); do
    kill -0 "$pid" 2>/dev/null || { echo "run-local: stopped"; return 0; }
    sleep 0.1
  done
  echo "run-local: launcher pid $pid is still running after 120 s" >&2
  return 1
}
if (( stop )); then stop_stack; exit; fi

# port_holder P: prints what listens on TCP port P (address, and pid and name where ss shows them) and
# succeeds, or fails when nothing does. Any listener counts, whatever its address: 0.0.0.0 and [::]
# take 127.0.0.1's port too, and a probe of the stack's URL would be answered by it.
port_holder() {
  local line
  if command -v ss >/dev/null 2>&1; then
    line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -1) || true
    [[ -n "$line" ]] || return 1
    awk '{ printf "%s", $4 } match($0, /users:\(\("[^"]*",pid=[0-9]+/) {
           split(substr($0, RSTART + 9, RLENGTH - 9), u, "\",pid="); printf ", pid %s (%s)", u[2], u[1] }
         END { print "" }' <<<"$line"
    return 0
  fi
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 1
  echo "127.0.0.1:$1"
}

# free_port TAKEN...: a loopback port nothing listens on and not among TAKEN: each app's management
# port (/metrics, detailed health).
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 30000))
    [[ " $* " == *" $p "* ]] && continue
    port_holder "$p" >/dev/null || { echo "$p"; return 0; }
  done
  echo "run-local: found no free loopback port for a management port in 100 tries" >&2
  return 1
}

# claim_ports: every port the stack will listen on must be free, or the launcher refuses before it
# touches anything: a second stack on a taken port would otherwise be "ready" on the first one's
# answers, then overwrite its .run/stack.env and truncate its logs. Fixed ports: the gateways' and the
# backends'; management ports are picked free here (backend_mports, gateway_mports), apart from those.
claim_ports() {
  local names=() ports=() busy=() i g holder
  for g in $(seq 1 "$gateways"); do
    ports+=($(( g == 1 ? port : port + backends + g - 1 )))
    if (( g == 1 )); then names+=(gateway); else names+=("gateway$g"); fi
  done
  for i in $(seq 1 "$backends"); do ports+=($((port + i))); names+=("backend$i"); done
  for i in "${!ports[@]}"; do
    if holder=$(port_holder "${ports[$i]}"); then busy+=("port ${ports[$i]} (${names[$i]}) is in use: $holder"); fi
  done
  if (( ${#busy[@]} )); then
    printf 'run-local: %s\n' "${busy[@]}" >&2
    echo "run-local: refusing to start; nothing was started and .run/ was not touched. Free the port (a stack from this checkout stops with deploy/run-local.sh --stop) or choose another --port." >&2
    exit 1
  fi
  backend_mports=()
  gateway_mports=()
  for i in $(seq 1 "$backends"); do backend_mports[i]=$(free_port "${ports[@]}" "${backend_mports[@]}"); done
  for g in $(seq 1 "$gateways"); do gateway_mports[g]=$(free_port "${ports[@]}" "${backend_mports[@]}" "${gateway_mports[@]}"); done
}
claim_ports

source "$root/deploy/lib/memory.sh"
source "$root/deploy/lib/cgroup.sh"

# Backends run Native AOT, the form that serves in a cold 50 MiB container (docs/backend.md, "Form and
# GC settings"); where it cannot be published (no clang), they fall back to the JIT build, with a warning.
backend_native="$root/backend/bin/native/ImageGateway.Backend"
backend_dll="$root/backend/bin/$configuration/net10.0/ImageGateway.Backend.dll"
if (( build )); then
  # dotnet's own minimal output, one line per project built, so the first (cold) build is not silent.
  build_started=$SECONDS
  echo "run-local: building the backend Native AOT (backend/publish-native.sh; a cold build takes minutes, an up-to-date one seconds)..."
  if ! "$root/backend/publish-native.sh" >/dev/null; then
    rm -f "$backend_native"
    echo "run-local: WARNING: the backend could not be published Native AOT; running its JIT build, which thrashes in small cgroups" >&2
    echo "run-local: building the backend (JIT, $configuration)..."
    dotnet build "$root/backend/Backend.csproj" -c "$configuration" -nologo -v minimal -tl:off
  fi
  echo "run-local: building the gateway ($configuration)..."
  dotnet build "$root/gateway/Gateway.csproj" -c "$configuration" -nologo -v minimal -tl:off
  echo "run-local: built in $((SECONDS - build_started)) s"
  # A build takes long enough for a port to be taken meanwhile: check again, picking management ports anew.
  claim_ports
fi
mkdir -p "$run_dir/logs"
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
  # Only this launcher's state: never a file another stack wrote since.
  if grep -qx "LAUNCHER_PID=$$" "$run_dir/stack.env" 2>/dev/null; then rm -f "$run_dir/stack.env"; fi
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

why_no_cgroup=$(cgroup_unavailable_reason || true)
if [[ -n "$why_no_cgroup" ]]; then
  echo "run-local: backends run WITHOUT a memory cgroup: $why_no_cgroup"
fi

state=("LAUNCHER_PID=$$" "GATEWAY_URL=http://127.0.0.1:$port" "BACKENDS=$backends" "BACKEND_MEMORY_BYTES=$memory_bytes")
gateway_env=()
backend_cgroups=()
backend_restarts=()
liveness_failures=()

# start_backend I: starts backend I (again) on port P+I in its cgroup, made on the first start, with
# the management port claim_ports picked.
start_backend() {
  local i=$1 name="backend$1" bport=$((port + $1)) cg=${backend_cgroups[$1]:-}
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
  gateway_mport=${gateway_mports[g]}
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
echo "run-local: ready at ${gateway_urls[*]} (state and every management URL in .run/stack.env, logs in .run/logs/; Ctrl-C or deploy/run-local.sh --stop stops it)"

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
