#!/usr/bin/env bash
# Publishes the backend as Native AOT, the form it runs in (chosen by measurement: docs/backend.md,
# "Form and GC settings"), to backend/bin/native/, and prints the executable's path on stdout. Incremental: a second run with
# nothing changed takes seconds. Needs clang and the zlib headers (Debian: apt-get install clang
# zlib1g-dev). Build outputs go to artifacts/backend-native so the JIT build beside it is untouched.
#
#   backend/publish-native.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/backend/bin/native"

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64|arm64) rid=linux-arm64 ;;
  *) echo "publish-native: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac

# The ILCompiler driver links with clang; Debian names it clang or clang-NN.
compiler=$(command -v clang || compgen -c clang- | grep -E '^clang-[0-9]+$' | sort -V | tail -1 || true)
if [[ -z "$compiler" ]]; then
  echo "publish-native: clang not found; install clang and zlib1g-dev (Debian/Ubuntu)" >&2
  exit 1
fi

# dotnet's minimal output (a line per project) goes to stderr, so a cold publish of a minute or two
# is not silent; stdout carries only the path.
# One publish at a time: tests and the launcher may ask at once.
mkdir -p "$root/artifacts"
exec 9>"$root/artifacts/backend-native.lock"
flock 9

# A publish cut short (a killed launcher) can leave an empty executable, here and in the build
# output, that the next, incremental publish takes for up to date.
if [[ -e "$out/ImageGateway.Backend" && ! -s "$out/ImageGateway.Backend" ]]; then
  rm -f "$out/ImageGateway.Backend"
  find "$root/artifacts/backend-native" -name ImageGateway.Backend -size 0 -delete 2>/dev/null || true
fi
dotnet publish "$root/backend/Backend.csproj" -c Release -r "$rid" -p:PublishAot=true -p:CppCompilerAndLinker="$compiler" \
  --artifacts-path "$root/artifacts/backend-native" -o "$out" -nologo -v minimal -tl:off >&2
echo "$out/ImageGateway.Backend"
