#!/usr/bin/python3
"""Run a command and require an exact exit code (lit's `not` only checks for
non-zero, and the CLI contract distinguishes 1, 2 and 3).

    expect_exit.py CODE [--absent PATH]... -- COMMAND [ARGS...]

The command's stdout and stderr are passed through, so FileCheck can read
them. A signal (negative return code) always fails. With --absent, each PATH
must not exist afterwards (no partial output on failure).
"""
import os
import subprocess
import sys


def main(argv):
    if "--" not in argv:
        print("usage: expect_exit.py CODE [--absent PATH]... -- COMMAND...", file=sys.stderr)
        return 2
    split = argv.index("--")
    opts, cmd = argv[:split], argv[split + 1:]
    code = int(opts[0])
    absent = [opts[i + 1] for i, o in enumerate(opts) if o == "--absent"]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sys.stdout.buffer.write(proc.stdout)
    sys.stdout.buffer.write(proc.stderr)
    sys.stdout.flush()
    if proc.returncode < 0:
        print("expect_exit: command died with signal %d" % -proc.returncode, file=sys.stderr)
        return 1
    if proc.returncode != code:
        print("expect_exit: exit code %d, expected %d" % (proc.returncode, code), file=sys.stderr)
        return 1
    for path in absent:
        if os.path.exists(path):
            print("expect_exit: %s exists but must not" % path, file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
