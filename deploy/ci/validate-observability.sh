#!/usr/bin/env bash
# Validates deploy/observability with Prometheus's own tool (Debian's `prometheus` package):
#   - alerts.yaml: `promtool check rules` (syntax, PromQL) and `promtool test rules` (a unit test of
#     every alert, firing and not firing: alerts.test.yaml);
#   - dashboard.json: every panel query parses as PromQL (each is checked as a recording rule, with
#     Grafana's $__rate_interval as 1m).
# The queries themselves run against a real Prometheus scraping the real apps in tests/Observability.Tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$root/deploy/observability"

if ! command -v promtool >/dev/null 2>&1; then
  echo "validate-observability: installing prometheus (promtool)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

echo "validate-observability: $(promtool --version 2>&1 | head -1)"
promtool check rules "$dir/alerts.yaml"
(cd "$dir" && promtool test rules alerts.test.yaml)

rules="$(mktemp --suffix=.yaml)"
trap 'rm -f "$rules"' EXIT
node --input-type=module - "$dir/dashboard.json" "$rules" <<'JS'
import fs from "node:fs";
const [file, out] = process.argv.slice(2);
const dashboard = JSON.parse(fs.readFileSync(file, "utf8"));
const lines = ["groups:", "  - name: dashboard-queries", "    rules:"];
let count = 0;
for (const panel of dashboard.panels ?? []) {
  if (!panel.title || !Array.isArray(panel.targets) || panel.targets.length === 0) {
    console.error(`panel ${panel.id} has no title or no targets`);
    process.exit(1);
  }
  for (const target of panel.targets) {
    if (typeof target.expr !== "string" || target.expr.trim() === "") {
      console.error(`panel "${panel.title}" target ${target.refId} has no expr`);
      process.exit(1);
    }
    const expr = target.expr.replaceAll("$__rate_interval", "1m");
    lines.push(`      - record: dashboard:panel${panel.id}:${target.refId}`, `        expr: ${JSON.stringify(expr)}`);
    count++;
  }
}
fs.writeFileSync(out, lines.join("\n") + "\n");
console.log(`validate-observability: ${dashboard.panels.length} panels, ${count} queries`);
JS
promtool check rules "$rules" >/dev/null
echo "validate-observability: every dashboard query parses"
