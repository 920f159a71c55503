#!/usr/bin/env bash
# Checks what ships in hardware/ that the TypeScript tests cannot: the wiring diagram is
# well-formed XML with an <svg> root, and the example config is strict JSON. (Whether the pins
# in README, JSON and SVG agree is test/product/hardware.test.ts.)
set -euo pipefail
cd "$(dirname "$0")/../.."

python3 - hardware/wiring.svg hardware/kiosk.example.json <<'EOF'
import json
import sys
import xml.dom.minidom

svg, config = sys.argv[1], sys.argv[2]
root = xml.dom.minidom.parse(svg).documentElement
if root.tagName != "svg" or root.getAttribute("xmlns") != "http://www.w3.org/2000/svg":
    sys.exit(f"{svg}: root element is <{root.tagName}>, expected <svg xmlns=\"http://www.w3.org/2000/svg\">")
with open(config, encoding="utf-8") as f:
    json.load(f)
print(f"ok: {svg} is well-formed SVG, {config} is valid JSON")
EOF
