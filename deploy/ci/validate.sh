#!/usr/bin/env bash
# Validates the deployment files without a container engine or a cluster:
#   - docker-compose.yml with a real Compose implementation (Debian's docker-compose: `config -q`
#     parses, interpolates and checks the file against the Compose schema; it needs no engine);
#   - deploy/k8s against the Kubernetes API schema and for unknown fields (validate-k8s.mjs).
# Installs what it needs (Debian packages and the pinned npm packages of deploy/ci); needs root
# for apt-get when docker-compose or node are missing. Exits non-zero on the first invalid file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if (( ${#missing[@]} )); then
  echo "validate: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "validate: docker-compose.yml with $(docker-compose version --short)"
docker-compose --project-directory "$root" -f "$root/docker-compose.yml" config -q
echo "validate: docker-compose.yml is valid"

echo "validate: deploy/k8s with node $(node --version)"
npm ci --prefix "$root/deploy/ci" --no-audit --no-fund --loglevel=error >/dev/null
node "$root/deploy/ci/validate-k8s.mjs" "$root/deploy/k8s"
# The product with its ServiceMonitor (for clusters with the Prometheus operator).
node "$root/deploy/ci/validate-k8s.mjs" "$root/deploy/k8s/monitoring"
