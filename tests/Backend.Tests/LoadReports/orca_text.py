#!/usr/bin/env python3
"""A second, independent reader of the ORCA endpoint-load-metrics TEXT form, written from the
format's grammar (xds.data.orca.v3.OrcaLoadReport fields; Envoy source/common/orca/orca_parser.cc
rules), not from our C# code. Reads header values, one a line, on stdin; prints one JSON object a
line: {"ok": true, "metrics": {...}} or {"ok": false, "error": "..."}."""
import json
import math
import sys

STANDARD = {"cpu_utilization", "mem_utilization", "application_utilization", "eps", "rps_fractional"}
MAPS = ("named_metrics.", "utilization.")


def parse(value):
    if not value.startswith("TEXT "):
        raise ValueError("unsupported format")
    metrics = {}
    for element in value[len("TEXT "):].split(","):
        element = element.strip()
        if not element:
            continue
        cut = min([i for i in (element.find("="), element.find(":")) if i >= 0], default=-1)
        if cut < 0:
            raise ValueError("no value")
        name, text = element[:cut].strip(), element[cut + 1:].strip()
        if not name or not text:
            raise ValueError("empty name or value")
        number = float(text)  # raises on anything that is not a number
        if math.isnan(number) or math.isinf(number) or number < 0:
            raise ValueError("value out of range")
        if name in STANDARD:
            pass
        elif any(name.startswith(p) and len(name) > len(p) for p in MAPS):
            pass
        else:
            raise ValueError("unknown metric " + name)
        if name in metrics:
            raise ValueError("duplicate " + name)
        metrics[name] = number
    for fraction in ("cpu_utilization", "mem_utilization"):
        if fraction in metrics and metrics[fraction] > 1:
            raise ValueError(fraction + " over 1")
    return metrics


for line in sys.stdin:
    line = line.rstrip("\n")
    try:
        print(json.dumps({"ok": True, "metrics": parse(line)}))
    except ValueError as error:
        print(json.dumps({"ok": False, "error": str(error)}))
