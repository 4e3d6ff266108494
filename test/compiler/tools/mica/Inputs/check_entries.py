"""check_entries.py MODEL.onnx ARTIFACT SINGLE_ARTIFACT NAME:BATCH...

Checks an artifact compiled with one --entry per batch size of the symbolic
MLP of make_model.py (mlp_symbolic): `mica inspect --json` shows one
constants segment, exactly as large as the single-entry artifact's (the
weights are stored once), the entry points in order, each with its own
kernel, and the required feature `entry_points`; then runs every entry point
with `mica run --entry` and compares with numpy.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper


def inspect(path):
    out = subprocess.run(["mica", "inspect", "--json", path], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    model_path, artifact, single = sys.argv[1:4]
    entries = [(n, int(b)) for n, b in (e.split(":") for e in sys.argv[4:])]
    info, alone = inspect(artifact), inspect(single)
    constants = [s for s in info["segments"] if s["kind"] == "constants"]
    alone_constants = [s for s in alone["segments"] if s["kind"] == "constants"]
    assert len(constants) == 1, info["segments"]
    assert constants[0]["size"] == alone_constants[0]["size"], (constants, alone_constants)
    assert [e["name"] for e in info["entry_points"]] == [n for n, _ in entries]
    assert [e["steps"] for e in info["entry_points"]] == [["mica_" + n] for n, _ in entries]
    assert info["required_features"] == ["entry_points"], info["required_features"]
    assert alone["required_features"] == []
    print("constants: 1 segment of %d bytes, as with one entry point" % constants[0]["size"])

    weights = {t.name: numpy_helper.to_array(t) for t in onnx.load(model_path).graph.initializer}
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as work:
        for name, batch in entries:
            x = rng.standard_normal((batch, 16)).astype(np.float32)
            np.save(os.path.join(work, "x.npy"), x)
            out_dir = os.path.join(work, name)
            subprocess.run(["mica", "run", artifact, "--entry", name, "--input",
                            "X=" + os.path.join(work, "x.npy"), "--output-dir", out_dir],
                           check=True, stdout=subprocess.DEVNULL)
            got = np.load(os.path.join(out_dir, "Y.npy"))
            ref = np.maximum(x @ weights["W1"] + weights["B1"], 0) @ weights["W2"]
            err = float(np.abs(got - ref).max())
            assert got.shape == ref.shape and err < 1e-4, (name, got.shape, err)
            print("entry %s: output %s, max |err| %.1e" % (name, "x".join(map(str, got.shape)), err))
    return 0


if __name__ == "__main__":
    sys.exit(main())
