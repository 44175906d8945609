"""Reads `peer-result` lines (stdin) and prints the engine peer table (see README.md here).

Each line: engine=… process=… instances=… seconds=… service_calls=… ends=id:count,…
The check column says whether the run did the work: one service call per service task of
every instance, every instance at an end event, and (for a process with more than one end
event) every end event reached. The ratio is okno-runner's rate over the row's rate.
"""

import sys

ORDER = ["okno-runner", "okno-core", "bpmn-engine", "spiffworkflow"]
SERVICE_TASKS = {"decision": 1, "order": 10}
END_EVENTS = {"decision": 2, "order": 1}


def parse(line):
    fields = dict(part.split("=", 1) for part in line.split()[1:])
    ends = {}
    for item in filter(None, fields["ends"].split(",")):
        name, count = item.split(":")
        ends[name] = int(count)
    instances = int(fields["instances"])
    return {
        "engine": fields["engine"],
        "process": fields["process"],
        "instances": instances,
        "rate": instances / float(fields["seconds"]),
        "service_calls": int(fields["service_calls"]),
        "ends": ends,
    }


def check(row):
    process = row["process"]
    calls_expected = row["instances"] * SERVICE_TASKS.get(process, 0)
    ends_total = sum(row["ends"].values())
    branches_ok = len(row["ends"]) == END_EVENTS.get(process, len(row["ends"]))
    ok = row["service_calls"] == calls_expected and ends_total == row["instances"] and branches_ok
    return "ok" if ok else "FAIL"


def main():
    rows = [parse(line) for line in sys.stdin if line.startswith("peer-result ")]
    okno = {row["process"]: row["rate"] for row in rows if row["engine"] == "okno-runner"}
    rows.sort(key=lambda row: (row["process"], ORDER.index(row["engine"]) if row["engine"] in ORDER else 99))
    print(f"| {'engine':<13} | {'process':<8} | {'instances':>9} | {'instances/s':>11} | "
          f"{'okno-runner/this':>16} | {'service calls':>13} | {'end events reached':<22} | check |")
    print(f"|{'-' * 15}|{'-' * 10}|{'-' * 11}|{'-' * 13}|{'-' * 18}|{'-' * 15}|{'-' * 24}|-------|")
    failed = False
    for row in rows:
        ratio = okno.get(row["process"])
        ratio_text = f"{ratio / row['rate']:.1f}" if ratio else "-"
        ends = ", ".join(f"{name} {count}" for name, count in sorted(row["ends"].items()))
        verdict = check(row)
        failed |= verdict != "ok"
        print(f"| {row['engine']:<13} | {row['process']:<8} | {row['instances']:>9} | "
              f"{row['rate']:>11.0f} | {ratio_text:>16} | {row['service_calls']:>13} | {ends:<22} | {verdict:<5} |")
    if failed:
        sys.exit("a run did not do the work it claims: see the check column")


if __name__ == "__main__":
    main()
