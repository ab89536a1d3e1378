# The one rule that ties a backend's GC heap to its container's memory limit. Sourced by the
# local launcher; compose and Kubernetes state the same numbers (tests cross-check them).
#
# The runtime's own code pages, JIT and native allocations live in the container too, outside
# the GC heap: measured at about 24 MiB for this backend. The GC heap gets what is left, so an
# overrun is an OutOfMemoryException (answered 503) before the kernel would OOM-kill.
RUNTIME_RESERVE_BYTES=$((24 * 1024 * 1024))

# gc_heap_hard_limit_bytes LIMIT_BYTES: the GC heap hard limit for a container of LIMIT_BYTES.
gc_heap_hard_limit_bytes() {
  local limit=$1
  local heap=$((limit - RUNTIME_RESERVE_BYTES))
  local floor=$((limit / 4))
  (( heap < floor )) && heap=$floor
  echo "$heap"
}

# gc_heap_hard_limit_hex LIMIT_BYTES: the same, as DOTNET_GCHeapHardLimit wants it (hexadecimal).
gc_heap_hard_limit_hex() {
  printf '0x%X\n' "$(gc_heap_hard_limit_bytes "$1")"
}
