# The one rule that ties a backend's GC heap to its container's memory limit. Sourced by the
# local launcher; compose and Kubernetes state the same numbers (tests cross-check them).
#
# The backend's own code pages and native allocations live in the container too, outside the GC
# heap. Measured for the Native AOT backend in a cold 50 MiB cgroup (README, "Backend"): about 10 MiB
# of native memory and 13-16 MiB of its executable's pages at idle, of which the kernel can drop the
# cold ones; a 21 MiB reserve (29 MiB heap in 50 MiB) served 4 Mpx PNGs at 48 MiB peak without a
# single major fault. The GC heap gets what is left, so an overrun is an OutOfMemoryException
# (answered 503) before the kernel would OOM-kill.
RUNTIME_RESERVE_BYTES=$((21 * 1024 * 1024))

# gc_heap_hard_limit_bytes LIMIT_BYTES: the GC heap hard limit for a container of LIMIT_BYTES.
gc_heap_hard_limit_bytes() {
  local limit=$1
  local heap=$((limit - RUNTIME_RESERVE_BYTES))
  local floor=$((limit / 4))
  (( heap < floor )) && heap=$floor
  echo "$heap"
}

# gc_heap_hard_limit_hex LIMIT_BYTES: the same, as DOTNET_GCHeapHardLimit wants it: hexadecimal
# WITHOUT a 0x prefix. CoreCLR reads both forms, but the Native AOT runtime (the form the backend
# runs in) silently ignores a value with 0x and runs with no hard limit at all. The backend refuses
# to start when the variable is set but not in force.
gc_heap_hard_limit_hex() {
  printf '%X\n' "$(gc_heap_hard_limit_bytes "$1")"
}
