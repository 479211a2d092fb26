"""Read an Odoo test log: count tests, fail on failures and on any ERROR/WARNING line.

Prints one line "odoo <passed> <failed>" for scripts/test.sh. The ERROR/WARNING rule is OCA's
checklog-odoo: a test run whose log carries a warning is not green. Lines matching a pattern in
scripts/checklog-ignore.txt (one regex per line, each with a reason) are not counted.
"""

import pathlib
import re
import sys

LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|WARNING|CRITICAL) ")
RESULT = re.compile(r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests")
IGNORE_FILE = pathlib.Path(__file__).with_name("checklog-ignore.txt")


def main(path):
    text = pathlib.Path(path).read_text(errors="replace")
    ignores = (
        [
            re.compile(line.split("  #", 1)[0].strip())
            for line in IGNORE_FILE.read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        if IGNORE_FILE.exists()
        else []
    )
    bad = [
        line
        for line in text.splitlines()
        if LEVEL.match(line) and not any(p.search(line) for p in ignores)
    ]
    failed = errors = total = 0
    for m in RESULT.finditer(text):
        failed += int(m.group(1))
        errors += int(m.group(2))
        total += int(m.group(3))
    loaded = "Modules loaded." in text or "Initiating shutdown" in text
    problems = failed + errors + len(bad) + (0 if loaded and total else 1)
    for line in bad:
        sys.stderr.write(f"checklog: {line}\n")
    if not total:
        sys.stderr.write("checklog: no Odoo test result found in the log (install failed?)\n")
        tail = text.splitlines()[-40:]
        sys.stderr.write("\n".join(tail) + "\n")
    print("odoo", total - failed - errors, problems)


if __name__ == "__main__":
    main(sys.argv[1])
