#!/usr/bin/env bash
# Fuzzes ImageSharp 2.1.13's decoders, as the backend configures them, with AFL++ through SharpFuzz
# for a bounded time, then lists what it found. Needs afl-fuzz (Debian: apt-get install afl++).
#
#   loadtests/DecoderFuzz/fuzz.sh [SECONDS]     (default 600)
#
# The run itself is loadtests/lib/sharpfuzz.sh, shared with the other harness: it builds the harness,
# instruments SixLabors.ImageSharp.dll with the SharpFuzz command-line tool
# (installed into artifacts/tools), seeds AFL with the smallest accepted corpus images of each
# format, and writes findings to artifacts/decoder-fuzz/findings/default/{crashes,hangs}. Copy each
# finding worth keeping with a test that sends it through a decode worker (docs/backend.md).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sharpfuzz.sh"
sharpfuzz_run DecoderFuzz decoder-fuzz SixLabors.ImageSharp.dll 5000 "${1:-600}"
