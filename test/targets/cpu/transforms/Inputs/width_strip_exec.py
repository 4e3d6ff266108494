"""For width_bounds_e2e.test: splits a bound, LLVM-dialect module into the
constants segment's bytes (argv[2]) and the module without its exec ops
(argv[3]), which mica-codegen then translates. The harness plays the
runtime's part: it maps the segment and builds the mica_kernel_ctx."""
import re
import sys

text = open(sys.argv[1]).read()
blob = re.search(r'mica_constant_segment: "0x([0-9A-Fa-f]*)"', text).group(1)
# A resource blob starts with its alignment (4 bytes, little-endian).
open(sys.argv[2], "wb").write(bytes.fromhex(blob)[4:])
out, skip = [], 0
for line in text.splitlines():
    stripped = line.strip()
    if skip:
        skip += stripped.count("{") - stripped.count("}")
        continue
    if stripped.startswith("exec.segment"):
        continue
    if stripped.startswith("exec.entry_point") or stripped.startswith("exec.node_table"):
        skip = stripped.count("{") - stripped.count("}")
        continue
    out.append(line)
open(sys.argv[3], "w").write("\n".join(out) + "\n")
