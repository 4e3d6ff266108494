"""attention_forms.test's check: per form, the blocks the report lists, the
formed build's output against the plain one, the tokens after merging and
the merged build's class-token output against the plain one."""
import json
import sys

import numpy as np

out = sys.argv[1]
for form in sys.argv[2:]:
    load = lambda m: np.load("%s/%s.%s/y.npy" % (out, form, m))
    plain = load("plain")
    scale = np.abs(plain).max()
    same = lambda m: "same" if np.abs(load(m) - plain).max() <= 1e-6 * scale \
        else "differs by %g" % np.abs(load(m) - plain).max()
    formed = json.load(open("%s/%s.formed.json" % (out, form)))
    merged = json.load(open("%s/%s.merged.json" % (out, form)))
    blocks = formed.get("transformer_blocks", [])
    tokens = [b["tokens_out"] for b in merged.get("transformer_blocks", [])]
    print("%s blocks=%d formed=%s merged_tokens=%s class_token=%s" % (
        form, len(blocks), same("formed"),
        ",".join(map(str, tokens)) or "none", same("merged")))
