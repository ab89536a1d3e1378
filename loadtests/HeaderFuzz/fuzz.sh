#!/usr/bin/env bash
# Fuzzes the header model's readers (common/Imaging/Headers) with AFL++ through SharpFuzz for a
# bounded time, then lists what it found. Needs afl-fuzz (Debian: apt-get install afl++).
#
#   loadtests/HeaderFuzz/fuzz.sh [SECONDS]     (default 600)
#
# The run itself is loadtests/lib/sharpfuzz.sh, shared with the other harness: it builds the harness,
# instruments ImageGateway.Common.dll with the SharpFuzz command-line tool
# (installed into artifacts/tools), seeds AFL with the smallest accepted corpus images of each
# format, and writes findings to artifacts/header-fuzz/findings/default/{crashes,hangs}. A crash is a
# broken invariant (the harness throws, naming it); replay it with
#   dotnet run -c Release --project tests/Fuzzing -- --read FILE N
# and commit it under tests/fuzz-regressions/ (its README says how).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sharpfuzz.sh"
sharpfuzz_run HeaderFuzz header-fuzz ImageGateway.Common.dll 2000 "${1:-600}"
