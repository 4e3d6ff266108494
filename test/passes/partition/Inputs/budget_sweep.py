"""Compiles a model under a sweep of --memory-budget values and checks that
every build computes the all-resident build's outputs bit for bit.

  python3 budget_sweep.py MICA_BIN MODEL.onnx INPUT.npy WORK [--fractions
      1,0.5,0.25] [--threads 1,2] [-- EXTRA COMPILE FLAGS]

Budgets: weights + arena + outputs (fits resident: one step), the
`--fractions` of the way from that down to the minimum, the minimum the
compiler names for an impossible budget (1 byte), and one byte less (must
fail with exit 1). Each build runs streamed (mica-run's default) and with
--no-stream, at each thread count; outputs are compared with the
unbudgeted build's byte for byte. Prints one line per budget:

  BUDGET_LABEL: N steps, K streamed, identical
"""
import json
import os
import re
import subprocess
import sys


def run(cmd, ok=True):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if ok and proc.returncode != 0:
        sys.exit("budget_sweep: %s failed (%d):\n%s" % (
            " ".join(cmd), proc.returncode, proc.stderr))
    return proc


def outputs(folder):
    return {name: open(os.path.join(folder, name), "rb").read()
            for name in sorted(os.listdir(folder))}


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    bin_dir, model, npy, work = argv[:4]
    options = dict(zip(argv[4::2], argv[5::2]))
    fractions = [float(f) for f in
                 options.get("--fractions", "1,0.5").split(",")]
    threads = options.get("--threads", "1,2").split(",")
    mica = os.path.join(bin_dir, "mica")
    runner = os.path.join(bin_dir, "mica-run")
    os.makedirs(work, exist_ok=True)

    base = os.path.join(work, "resident.mica")
    run([mica, "compile", model, "-o", base, "--report", base + ".json"]
        + extra)
    run([runner, "run", base, "--input", npy, "--output-dir",
         os.path.join(work, "resident_out")])
    expected = outputs(os.path.join(work, "resident_out"))
    report = json.load(open(base + ".json"))
    entry = report["entry_points"][0]
    arena = report["memory"]["arena_bytes"]
    sizes = {"float32": 4, "float16": 2, "int64": 8, "int32": 4, "int8": 1,
             "uint8": 1, "bool": 1, "float64": 8}
    outs = 0
    for o in entry["outputs"]:
        n = sizes[o["dtype"]]
        for d in o["max_shape"]:
            n *= d
        outs += n
    whole = report["constants_bytes"] + arena + outs

    # The minimum, from the error for an impossible budget.
    proc = run([mica, "compile", model, "-o", os.path.join(work, "x.mica"),
                "--memory-budget", "1"] + extra, ok=False)
    found = re.search(r"at least .* \((\d+) bytes\)", proc.stderr)
    if proc.returncode != 1 or not found:
        sys.exit("budget_sweep: budget 1 should fail with exit 1 and name "
                 "the minimum:\n" + proc.stderr)
    minimum = int(found.group(1))
    if os.path.exists(os.path.join(work, "x.mica")):
        sys.exit("budget_sweep: a failed compile left its output behind")

    budgets = [("resident", max(whole, minimum))]
    for f in fractions:
        if f < 1:
            budgets.append(("%g" % f, int(minimum + f * (whole - minimum))))
    budgets.append(("minimum", minimum))
    for label, budget in budgets:
        artifact = os.path.join(work, "b_%s.mica" % label)
        run([mica, "compile", model, "-o", artifact, "--memory-budget",
             str(budget), "--report", artifact + ".json"] + extra)
        plan = json.load(open(artifact + ".json")).get("memory_budget", {})
        info = json.loads(run([runner, "inspect", artifact, "--json"]).stdout)
        steps = info["entry_points"][0]["steps"]
        streamed = sum(1 for s in info["entry_points"][0].get(
            "step_streamed", []) if s >= 0)
        for t in threads:
            for mode in ([], ["--no-stream"]):
                folder = os.path.join(work, "out_%s_%s%s" % (
                    label, t, "_mapped" if mode else ""))
                run([runner, "run", artifact, "--input", npy, "--threads", t,
                     "--output-dir", folder] + mode)
                if outputs(folder) != expected:
                    sys.exit("budget_sweep: budget %s (%d bytes), %s "
                             "threads%s: outputs differ from the "
                             "all-resident build" % (
                                 label, budget, t,
                                 " --no-stream" if mode else ""))
        if plan.get("predicted_peak", 0) > budget:
            sys.exit("budget_sweep: budget %s: predicted peak %d > %d" % (
                label, plan["predicted_peak"], budget))
        print("%s: %d steps, %d streamed, identical" % (
            label, len(steps), streamed))
    proc = run([mica, "compile", model, "-o", os.path.join(work, "y.mica"),
                "--memory-budget", str(minimum - 1)] + extra, ok=False)
    print("minimum - 1: exit %d" % proc.returncode)


if __name__ == "__main__":
    main()
