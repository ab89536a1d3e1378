#!/usr/bin/env bash
# Fuzzes the header model's readers (common/Imaging/Headers) with AFL++ through SharpFuzz for a
# bounded time, then lists what it found. Needs afl-fuzz (Debian: apt-get install afl++).
#
#   loadtests/HeaderFuzz/fuzz.sh [SECONDS]     (default 600)
#
# Builds the harness, instruments ImageGateway.Common.dll with the SharpFuzz command-line tool
# (installed into artifacts/tools), seeds AFL with the smallest accepted corpus images of each
# format, and writes findings to artifacts/header-fuzz/findings/default/{crashes,hangs}. A crash is a
# broken invariant (the harness throws, naming it); replay it with
#   dotnet run -c Release --project tests/Fuzzing -- --read FILE N
# and commit it under tests/fuzz-regressions/ (its README says how).
set -euo pipefail
seconds=${1:-600}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$root/artifacts/header-fuzz"
bin="$work/bin"
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found; apt-get install afl++" >&2; exit 1; }

rm -rf "$bin" "$work/findings" "$work/seeds"
mkdir -p "$bin" "$work/seeds" "$root/artifacts/tools"
dotnet publish "$root/loadtests/HeaderFuzz/HeaderFuzz.csproj" -c Release -o "$bin" -nologo -v quiet -clp:ErrorsOnly
sharpfuzz="$root/artifacts/tools/sharpfuzz"
[[ -x "$sharpfuzz" ]] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$root/artifacts/tools" >/dev/null
"$sharpfuzz" "$bin/ImageGateway.Common.dll"

# Seeds: the three smallest accepted corpus images of each format (AFL wants small inputs).
for ext in png jpg gif bmp webp pbm pgm ppm; do
  find "$root/tests/corpus" -name "*.$ext" -size -4k -printf '%s %p\n' | sort -n | head -3 | cut -d' ' -f2- |
    while read -r f; do cp "$f" "$work/seeds/$(basename "$(dirname "$f")")-$(basename "$f")"; done
done

echo "fuzz: $(ls "$work/seeds" | wc -l) seeds, $seconds s"
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  afl-fuzz -V "$seconds" -i "$work/seeds" -o "$work/findings" -t 2000 -m none -- dotnet "$bin/HeaderFuzz.dll" >"$work/afl.log" 2>&1 || {
    echo "fuzz: afl-fuzz failed; see $work/afl.log" >&2; tail -30 "$work/afl.log" >&2; exit 1; }

out="$work/findings/default"
grep -E "execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|run_time" "$out/fuzzer_stats" || true
echo "fuzz: crashes in $out/crashes, hangs in $out/hangs:"
ls "$out/crashes" "$out/hangs" 2>/dev/null | grep -v README || true
