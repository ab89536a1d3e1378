# Memory cgroups for local backends: the kernel enforces the limit and OOM-kills exactly as a
# container runtime would. cgroup v1 (a group under this process's own memory group) or v2 (under this
# process's own group of the unified tree, whose cgroup.subtree_control must enable memory). The shell
# twin of tests/TestSupport/MemoryCgroup.cs (the launcher cannot call C#): the same files, the same
# order (v1 first), the same reasons when neither can be used.

_cgroup_v1_root=/sys/fs/cgroup/memory

_cgroup_own_v1() { awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3; exit}' /proc/self/cgroup; }
_cgroup_own_v2() { awk -F: '$1 == "0" {print $3; exit}' /proc/self/cgroup; }

_cgroup_parent() {
  if [[ -f "$_cgroup_v1_root/memory.limit_in_bytes" || -f "$_cgroup_v1_root/cgroup.procs" ]]; then
    echo "v1 $_cgroup_v1_root$(_cgroup_own_v1)"
  elif [[ -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
    echo "v2 /sys/fs/cgroup$(_cgroup_own_v2)"
  fi
}

# Prints why memory cgroups cannot be used here and fails; prints nothing and succeeds when they can.
cgroup_unavailable_reason() {
  [[ "$(uname -s)" == Linux ]] || { echo "not Linux"; return 0; }
  [[ $(id -u) -eq 0 ]] || { echo "not root"; return 0; }
  local p; p=$(_cgroup_parent)
  [[ -n "$p" ]] || { echo "no memory cgroup controller (v1 or v2) is mounted"; return 0; }
  local dir=${p#* }
  local probe="$dir/image-gateway-probe-$$"
  if ! mkdir "$probe" 2>/dev/null; then echo "cannot create a cgroup under $dir"; return 0; fi
  rmdir "$probe" 2>/dev/null
  if [[ ${p%% *} == v2 ]] && ! grep -qw memory "$dir/cgroup.subtree_control" 2>/dev/null; then
    echo "cgroup v2: the memory controller is not enabled for children of $dir"; return 0
  fi
  return 1
}

# cgroup_create NAME LIMIT_BYTES: makes the group with that limit and no swap; prints its folder.
cgroup_create() {
  local p; p=$(_cgroup_parent)
  local kind=${p%% *} dir="${p#* }/$1"
  mkdir -p "$dir"
  if [[ $kind == v1 ]]; then
    echo "$2" >"$dir/memory.limit_in_bytes"
    [[ -f "$dir/memory.memsw.limit_in_bytes" ]] && echo "$2" >"$dir/memory.memsw.limit_in_bytes"
  else
    echo "$2" >"$dir/memory.max"
    [[ -f "$dir/memory.swap.max" ]] && echo 0 >"$dir/memory.swap.max"
  fi
  echo "$dir"
}

# cgroup_exec DIR COMMAND...: replaces the calling (sub)shell with COMMAND inside the group DIR,
# or plainly when DIR is empty, so `cgroup_exec ... &` leaves $! as the command's own pid.
cgroup_exec() {
  local dir=$1; shift
  if [[ -z "$dir" ]]; then exec "$@"; fi
  exec sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$dir" "$@"
}

# cgroup_oom_kills DIR: prints the kernel's count of OOM kills in the group (v1 memory.oom_control,
# v2 memory.events: oom_kill), 0 when it has none or cannot be read.
cgroup_oom_kills() {
  local f="$1/memory.oom_control"
  [[ -f "$f" ]] || f="$1/memory.events"
  awk '$1 == "oom_kill" {n = $2} END {print n + 0}' "$f" 2>/dev/null || echo 0
}

# cgroup_remove DIR: removes the (empty) group, waiting briefly for its processes to be gone.
cgroup_remove() {
  [[ -n "$1" && -d "$1" ]] || return 0
  for _ in $(seq 1 50); do rmdir "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "run-local: could not remove cgroup $1" >&2
}
