#!/usr/bin/python3
"""Fail loudly when the model zoo is missing or incomplete.

    check_zoo.py ZOO_DIR NAME...

Each NAME must have ZOO_DIR/NAME/model.onnx and test_data_set_0/{input_0,
output_0}.pb, as written by test/zoo/build_zoo.py (`make zoo`).
"""
import os
import sys


def main(argv):
    if len(argv) < 2:
        print("usage: check_zoo.py ZOO_DIR NAME...", file=sys.stderr)
        return 2
    zoo, names = argv[0], argv[1:]
    missing = []
    for name in names:
        for rel in ("model.onnx", "test_data_set_0/input_0.pb", "test_data_set_0/output_0.pb"):
            path = os.path.join(zoo, name, rel)
            if not os.path.isfile(path):
                missing.append(path)
    if missing:
        print("error: the model zoo is missing or incomplete (%d files), e.g. %s"
              % (len(missing), missing[0]), file=sys.stderr)
        print("error: build it with `make zoo` (or: /usr/bin/python3 test/zoo/build_zoo.py"
              " --out %s)" % zoo, file=sys.stderr)
        return 1
    print("zoo ok: %d models in %s" % (len(names), zoo))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
