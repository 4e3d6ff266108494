"""Checks a streamed run's memory against its compile-time plan.

  python3 check_rss.py RUN.json REPORT.json TRACE.json SLACK_MIB

RUN.json is `mica-run run --json --trace` output (its "stream" summary),
REPORT.json the `mica compile --report` of the same artifact. The process's
peak RSS (getrusage: load, validation and every run, the whole process)
less its RSS before the load must stay under the budget + the code (loaded
whole, outside the budget) + SLACK_MIB (the runtime's tables, inputs,
thread stacks, libc's arenas). Also checks that the trace is Chrome trace
JSON with loads on the I/O thread and steps on the compute thread. Prints
the numbers and OK.
"""
import json
import sys

run = json.load(open(sys.argv[1]))["stream"]
report = json.load(open(sys.argv[2]))
plan = report["memory_budget"]
trace = json.load(open(sys.argv[3]))
slack = float(sys.argv[4]) * (1 << 20)

mib = 1 << 20
used = (run["peak_rss_kib"] - run["rss_before_load_kib"]) * 1024
allowed = plan["budget"] + report["code_bytes"] + slack
print("budget %.2f MiB, code %.2f MiB, predicted peak %.2f MiB; measured "
      "%.2f MiB above the %.2f MiB before load (peak %.2f MiB)" % (
          plan["budget"] / mib, report["code_bytes"] / mib,
          plan["predicted_peak"] / mib, used / mib,
          run["rss_before_load_kib"] / 1024, run["peak_rss_kib"] / 1024))
if not run["streamed"] or run["bytes_per_run"] <= 0:
    sys.exit("FAIL: the run did not stream")
if used > allowed:
    sys.exit("FAIL: %.2f MiB > budget + code + slack = %.2f MiB" % (
        used / mib, allowed / mib))
events = trace["traceEvents"]
loads = [e for e in events if e.get("tid") == 2 and e.get("ph") == "X"]
steps = [e for e in events if e.get("tid") == 1 and e.get("ph") == "X"
         and e.get("name") != "stall"]
if not loads or not steps or "otherData" not in trace:
    sys.exit("FAIL: the trace lacks loads, steps or its summary")
print("trace: %d loads, %d steps" % (len(loads), len(steps)))
print("OK")
