#!/usr/bin/env bash
# The one AFL++ + SharpFuzz run both fuzz harnesses share (loadtests/HeaderFuzz, loadtests/DecoderFuzz):
#   sharpfuzz_run NAME WORK INSTRUMENTED_DLL TIMEOUT_MS SECONDS
# publishes loadtests/NAME/NAME.csproj into artifacts/WORK/bin, instruments INSTRUMENTED_DLL
# there with the SharpFuzz command-line tool (installed into artifacts/tools), seeds AFL with the three
# smallest corpus images of each format, runs afl-fuzz for SECONDS with a TIMEOUT_MS hang bound, and
# prints its statistics and findings (artifacts/WORK/findings/default/{crashes,hangs}).
sharpfuzz_run() {
  local name=$1 work_name=$2 instrumented=$3 timeout_ms=$4 seconds=$5
  local root work bin sharpfuzz out
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  work="$root/artifacts/$work_name"
  bin="$work/bin"
  command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found; apt-get install afl++" >&2; return 1; }

  rm -rf "$bin" "$work/findings" "$work/seeds"
  mkdir -p "$bin" "$work/seeds" "$root/artifacts/tools"
  dotnet publish "$root/loadtests/$name/$name.csproj" -c Release -o "$bin" -nologo -v quiet -clp:ErrorsOnly
  sharpfuzz="$root/artifacts/tools/sharpfuzz"
  [[ -x "$sharpfuzz" ]] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$root/artifacts/tools" >/dev/null
  "$sharpfuzz" "$bin/$instrumented"

  # Seeds: the three smallest accepted corpus images of each format (AFL wants small inputs).
  for ext in png jpg gif bmp webp pbm pgm ppm; do
    find "$root/tests/corpus" -name "*.$ext" -size -4k -printf '%s %p\n' | sort -n | head -3 | cut -d' ' -f2- |
      while read -r f; do cp "$f" "$work/seeds/$(basename "$(dirname "$f")")-$(basename "$f")"; done
  done

  echo "fuzz: $(find "$work/seeds" -type f | wc -l) seeds, $seconds s"
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    afl-fuzz -V "$seconds" -i "$work/seeds" -o "$work/findings" -t "$timeout_ms" -m none -- dotnet "$bin/$name.dll" >"$work/afl.log" 2>&1 || {
      echo "fuzz: afl-fuzz failed; see $work/afl.log" >&2; tail -30 "$work/afl.log" >&2; return 1; }

  out="$work/findings/default"
  grep -E "execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|run_time" "$out/fuzzer_stats" || true
  echo "fuzz: crashes in $out/crashes, hangs in $out/hangs:"
  ls "$out/crashes" "$out/hangs" 2>/dev/null | grep -v README || true
}
