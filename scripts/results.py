#!/usr/bin/env python3
"""results.py NAME...: count the test cases of VM runs build/vm/NAME.out (and of the host tests,
build/vm/host.out from scripts/host-check.sh, which has no VM or kernel log to check).

Each .out holds blocks "AFC-BEGIN <what>" ... "AFC-END" of KTAP (KUnit suites from debugfs,
selftests, setup steps), then "AFC-EXIT <status>" from the VM and "AFC-KERNEL-LOG clean|dirty"
from vm.sh.  Every leaf KTAP result is one case; a plan that promised more results than arrived
counts the missing ones as failed; a VM that did not finish, or a kernel log with a report in it,
is a failed case too.  Prints one line per case and ends with "N passed, N failed, N skipped".
"""
import os
import re
import sys

RESULT = re.compile(r'^(\s*)(ok|not ok)\s+(\d+)\s*(?:-\s*)?(.*?)\s*(?:#\s*(SKIP|TODO)\b.*)?$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*$')


def indent(s):
    return len(s.expandtabs(8))


def missing(plan):
    """Failed cases for the results a closed plan [indent, planned, seen] promised but lacks."""
    return [('fail', f'missing result {i}') for i in range(plan[2] + 1, plan[1] + 1)]


def parse_ktap(lines):
    """Returns [(status, name)] for the leaf results of one KTAP document."""
    plans = []          # stack of [indent, planned, seen]
    prev = None         # indentation of the previous structural line
    cases = []
    for line in lines:
        m = PLAN.match(line) or RESULT.match(line)
        if not m:
            continue
        d = indent(m.group(1))
        is_plan = m.re is PLAN
        # Plans close blocks at their own depth too; results only deeper ones.
        while plans and (plans[-1][0] >= d if is_plan else plans[-1][0] > d):
            cases += missing(plans.pop())
        if is_plan:
            plans.append([d, int(m.group(2)), 0])
            prev = d
            continue
        ok, num, name, directive = m.group(2) == 'ok', int(m.group(3)), m.group(4), m.group(5)
        # A result right after deeper lines closes their block: it is a parent, not a case.
        is_parent = prev is not None and prev > d
        if plans and plans[-1][0] == d:
            plans[-1][2] = max(plans[-1][2], num)
        prev = d
        if not is_parent:
            cases.append(('skip' if directive == 'SKIP' else ('pass' if ok else 'fail'), name))
    while plans:
        cases += missing(plans.pop())
    return cases


def parse_run(path, run):
    cases = []
    exit_status = None
    log = None
    block = None

    def close(block):
        what, lines = block
        cases.extend((status, f'{run}/{what}/{name}') for status, name in parse_ktap(lines))

    try:
        text = open(path, errors='replace').read().replace('\r', '')
    except OSError:
        return [('fail', f'{run}: VM produced no output')]
    for line in text.split('\n'):
        if line.startswith('AFC-BEGIN '):
            block = (line[len('AFC-BEGIN '):].strip().replace(' ', '/'), [])
        elif line.startswith('AFC-END') and block:
            close(block)
            block = None
        elif line.startswith('AFC-EXIT '):
            exit_status = line.split()[1]
        elif line.startswith('AFC-KERNEL-LOG '):
            log = line.split()[1]
        elif block:
            block[1].append(line)
    if block:   # the VM died inside a block
        close(block)
        cases.append(('fail', f'{run}/{block[0]}/block did not finish'))
    if run == 'host':   # scripts/host-check.sh: host tests, no VM and no kernel log
        cases.append(('pass' if exit_status is not None else 'fail', f'{run}/host tests finished'))
        return cases
    cases.append(('pass' if exit_status is not None else 'fail', f'{run}/vm finished'))
    cases.append(('pass' if log == 'clean' else 'fail', f'{run}/kernel log clean'))
    return cases


def main(names):
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    counts = {'pass': 0, 'fail': 0, 'skip': 0}
    for run in names:
        for status, name in parse_run(os.path.join(top, 'build', 'vm', run + '.out'), run):
            counts[status] += 1
            print({'pass': 'ok     ', 'fail': 'FAILED ', 'skip': 'skipped'}[status], name)
    print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if counts['fail'] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
