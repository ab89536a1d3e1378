# The one rule that splits a backend container's memory between its server process and its decode
# workers (docs/backend.md, "Memory split"). Sourced by the local launcher and the tests; compose and
# Kubernetes state the same numbers (tests/Deploy.Tests runs this file and cross-checks them).
#
# What the container holds, measured for the Native AOT backend in a cold 50 MiB cgroup:
# - the executable's pages in the page cache, shared by the server and every worker (the binary is
#   linked at a fixed address without dehydrated data, so its data pages stay shared too);
# - the server's private memory: its GC heap (Kestrel, routing, metrics, connection buffers; bodies
#   stream through it to the workers and never pile up) and the runtime's native memory;
# - per worker at rest: under 1 MiB of private memory, plus its GC's bookkeeping while it decodes;
# - the decode budget: request bodies and image memory, held by the workers and reserved by admission
#   (one upload per worker), so the sum of the workers' heaps follows the sum of the reservations.
# Each worker's heap hard limit is the whole budget plus its reserve: one worker may need all of it
# for one large image; the sum over workers is bounded by admission, not by the hard limits.

MIB=$((1024 * 1024))
# Page cache of the executable, the server's native memory and its GC heap under 64 clients.
RUNTIME_RESERVE_BYTES=$((34 * MIB))
# The server's GC heap hard limit (part of the runtime reserve).
SERVER_HEAP_BYTES=$((12 * MIB))
# A worker at rest, and its GC bookkeeping while it decodes.
WORKER_OVERHEAD_BYTES=$((1 * MIB))
# A worker's heap beyond the budget (Memory:WorkerReserveBytes, same default).
WORKER_HEAP_RESERVE_BYTES=$((2 * MIB))
# At most one worker per this much container memory, so workers at rest never eat the budget.
MEMORY_PER_WORKER_BYTES=$((24 * MIB))

# decode_workers LIMIT_BYTES [CPUS]: worker processes for a container of LIMIT_BYTES with CPUS cores
# (default: this machine's); one per core, at most one per MEMORY_PER_WORKER_BYTES, at least one.
decode_workers() {
  local limit=$1 cpus=${2:-$(nproc)}
  local by_memory=$((limit / MEMORY_PER_WORKER_BYTES))
  local workers=$(( cpus < by_memory ? cpus : by_memory ))
  (( workers < 1 )) && workers=1
  echo "$workers"
}

# decode_budget_bytes LIMIT_BYTES WORKERS: what admission may reserve for bodies and decodes at once.
decode_budget_bytes() {
  local limit=$1 workers=$2
  local budget=$((limit - RUNTIME_RESERVE_BYTES - workers * WORKER_OVERHEAD_BYTES))
  local floor=$((4 * MIB))
  (( budget < floor )) && budget=$floor
  echo "$budget"
}

# gc_heap_hard_limit_bytes LIMIT_BYTES: the server's GC heap hard limit (the same in any container
# that can hold a backend: the server's heap does not grow with images any more).
gc_heap_hard_limit_bytes() {
  echo "$SERVER_HEAP_BYTES"
}

# gc_heap_hard_limit_hex LIMIT_BYTES: the same, as DOTNET_GCHeapHardLimit wants it: hexadecimal
# WITHOUT a 0x prefix. CoreCLR reads both forms, but the Native AOT runtime (the form the backend
# runs in) silently ignores a value with 0x and runs with no hard limit at all. The server and each
# worker refuse to start when the variable is set but not in force.
gc_heap_hard_limit_hex() {
  printf '%X\n' "$(gc_heap_hard_limit_bytes "$1")"
}

# worker_gc_heap_hard_limit_hex LIMIT_BYTES WORKERS: each worker's DOTNET_GCHeapHardLimit (hex, no 0x).
worker_gc_heap_hard_limit_hex() {
  printf '%X\n' $(( $(decode_budget_bytes "$1" "$2") + WORKER_HEAP_RESERVE_BYTES ))
}

# backend_environment LIMIT_BYTES [CPUS]: every variable a backend needs for a container of
# LIMIT_BYTES, one KEY=VALUE a line (what run-local and the tests set; compose and Kubernetes carry
# the same values as literals).
backend_environment() {
  local limit=$1 workers
  workers=$(decode_workers "$limit" "${2:-}")
  echo "DOTNET_GCHeapHardLimit=$(gc_heap_hard_limit_hex "$limit")"
  echo "Decoding__Workers=$workers"
  echo "Decoding__WorkerHeapHardLimit=$(worker_gc_heap_hard_limit_hex "$limit" "$workers")"
  echo "Memory__DecodeBudgetBytes=$(decode_budget_bytes "$limit" "$workers")"
  echo "Memory__ContainerLimitBytes=$limit"
}
