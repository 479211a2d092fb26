"""Read the log of Odoo's own test classes run with the add-ons installed.

Usage: odoo_own.py LOG KNOWN_FAILURES [--list]

Prints one line "odoo-own <passed> <failed>" for scripts/test.sh. A test that fails is counted
against the add-ons unless KNOWN_FAILURES lists it: a failure of Odoo's own on this Odoo source
with the add-ons absent (see scripts/test.sh odoo-own-baseline), one line each,
"Class.test_method  # reason". A known failure that passes now is reported, not counted (the
list is then out of date). Unlike checklog.py, warnings logged by Odoo's own tests are not
counted: only the tests' results are ours to answer for here.

--list prints the failing tests, one per line, nothing else (to refresh KNOWN_FAILURES from a
baseline run).
"""

import pathlib
import re
import sys

from checklog import RESULT  # the same summary line our own Odoo tests are counted by

# "... ERROR db odoo.addons.account.tests.test_x: FAIL: TestClass.test_method"
# "... ERROR db odoo.addons.account.tests.test_x: ERROR: setUpClass (odoo.addons...TestClass)"
FAILURE = re.compile(
    r"^\d{4}-\d\d-\d\d [\d:,]+ \d+ ERROR \S+ (odoo\.addons\.[\w.]+): (FAIL|ERROR): (.+)$"
)
SUBTEST = re.compile(r"^Subtest (\w+\.\w+) ")
SETUP = re.compile(r"^(setUpClass|tearDownClass) \((?:[\w.]+\.)?(\w+)\)$")
STARTED = re.compile(r"odoo\.addons\.[\w.]+: Starting (\w+\.\w+) \.\.\.")


def test_id(description):
    """Class.method of a failure's description (a subtest counts as its test; a class set-up
    as Class.setUpClass)."""
    description = description.strip()
    match = SUBTEST.match(description)
    if match:
        return match.group(1)
    match = SETUP.match(description)
    if match:
        return f"{match.group(2)}.{match.group(1)}"
    return description.split(" ", 1)[0]


def read_log(text):
    failed = set()
    for line in text.splitlines():
        match = FAILURE.match(line)
        if match:
            failed.add(test_id(match.group(3)))
    total = sum(int(m.group(3)) for m in RESULT.finditer(text))
    started = {m.group(1) for m in STARTED.finditer(text)}
    return total, failed, started


def read_known(path):
    known = {}
    for line in pathlib.Path(path).read_text().splitlines():
        entry, _sep, reason = line.partition("#")
        if entry.strip():
            known[entry.strip()] = reason.strip()
    return known


def main(argv):
    log, known_file = argv[1], argv[2]
    text = pathlib.Path(log).read_text(errors="replace")
    total, failed, started = read_log(text)
    if "--list" in argv:
        for name in sorted(failed):
            print(name)
        return
    known = read_known(known_file)
    ours = sorted(failed - set(known))
    excused = sorted(failed & set(known))
    fixed = sorted(name for name in set(known) - failed if name in started)
    for name in excused:
        sys.stderr.write(f"odoo-own: known failure of Odoo's own: {name} ({known[name]})\n")
    for name in fixed:
        sys.stderr.write(f"odoo-own: listed as a known failure but passed: {name}\n")
    for name in ours:
        sys.stderr.write(f"odoo-own: FAILED with the add-ons installed: {name}\n")
    if not total:
        sys.stderr.write("odoo-own: no Odoo test result found in the log (install failed?)\n")
        sys.stderr.write("\n".join(text.splitlines()[-40:]) + "\n")
    # a class whose set-up failed reports none of its tests: count it as one failure
    passed = max(total - len(failed), 0)
    print("odoo-own", passed, len(ours) + (0 if total else 1))


if __name__ == "__main__":
    main(sys.argv)
