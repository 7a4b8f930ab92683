#!/usr/bin/env python3
"""results.py [--kunit-py PATH] NAME...: count the test cases of VM runs build/vm/NAME.out (and of
the host tests, build/vm/host.out from scripts/host-check.sh, which has no VM or kernel log to
check).

Each .out holds blocks "AFC-BEGIN <what>" ... "AFC-END" (KUnit suites from debugfs, selftests,
setup steps), then "AFC-EXIT <status>" from the VM and "AFC-KERNEL-LOG clean|dirty" from vm.sh.

KUnit blocks ("AFC-BEGIN kunit ...") are read by the kernel's own parser, `kunit.py parse --json`
(tools/testing/kunit from Debian's linux-source-6.1, extracted by scripts/kernel-tools.sh, or
--kunit-py): each case it reports is one case here, a case it found missing (a crash) is a
failure.  The cases it read from result lines are checked against this script's own reading of
the block; a disagreement, or kunit.py failing the run without failing a case, is one more failed
case.

Every other block is KTAP or kselftest's TAP 13, read here: every leaf result is one case ("# SKIP"
skipped, "# XFAIL" passed, "# XPASS" failed; a result without a name, as 6.1's kselftest prints
for a skip, is named by the "# RUN" line before it); a plan that promised more results than
arrived counts the missing ones as failed (a test program that crashed); a block without a plan
is a failed case, and "1..0 # SKIP" a skipped one.  A VM that did not finish, or a kernel log with
a report in it, is a failed case too.  Prints one line per case and ends with
"N passed, N failed, N skipped".
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

RESULT = re.compile(r'^(\s*)(ok|not ok)\s+(\d+)\s*(?:-\s*)?(.*?)\s*'
                    r'(?:#\s*(SKIP|TODO|XFAIL|XPASS)\b\s*(.*))?$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*(?:#\s*(SKIP)\b\s*(.*))?$')
RUN = re.compile(r'^#\s+RUN\s+(\S+)\s+\.\.\.')      # kselftest_harness: "#  RUN  global.NAME ..."


def indent(s):
    return len(s.expandtabs(8))


def missing(plan):
    """Failed cases for the results a closed plan [indent, planned, seen] promised but lacks."""
    return [('fail', f'missing result {i}') for i in range(plan[2] + 1, plan[1] + 1)]


def parse_ktap(lines):
    """Returns [(status, name)] for the leaf results of one KTAP (or TAP 13) document."""
    plans = []          # stack of [indent, planned, seen]
    prev = None         # indentation of the previous structural line
    cases = []
    running = None      # the case kselftest_harness said it runs
    planned = False
    for line in lines:
        run = RUN.match(line)
        if run:
            running = run.group(1)
            continue
        m = PLAN.match(line) or RESULT.match(line)
        if not m:
            continue
        d = indent(m.group(1))
        is_plan = m.re is PLAN
        # Plans close blocks at their own depth too; results only deeper ones.
        while plans and (plans[-1][0] >= d if is_plan else plans[-1][0] > d):
            cases += missing(plans.pop())
        if is_plan:
            planned = True
            if m.group(2) == '0' and m.group(3):
                cases.append(('skip', f'all skipped: {m.group(4)}'))
            plans.append([d, int(m.group(2)), 0])
            prev = d
            continue
        ok, num, name, directive = m.group(2) == 'ok', int(m.group(3)), m.group(4), m.group(5)
        # A result right after deeper lines closes their block: it is a parent, not a case.
        is_parent = prev is not None and prev > d
        if plans and plans[-1][0] == d:
            plans[-1][2] = max(plans[-1][2], num)
        prev = d
        if is_parent:
            continue
        if not name:
            name = running or f'result {num}'
        if directive == 'SKIP':
            status = 'skip'
        elif directive == 'XFAIL':
            status = 'pass' if ok else 'fail'
        elif directive == 'XPASS':
            status = 'fail'
        else:
            status = 'pass' if ok else 'fail'
        cases.append((status, name))
        running = None
    while plans:
        cases += missing(plans.pop())
    if not planned:
        cases.append(('fail', 'no KTAP plan'))
    return cases


def kunit_cases(lines, kunit_py):
    """[(status, name)] of one KUnit block as `kunit.py parse` reads it, and problems found."""
    if not kunit_py or not os.path.isfile(kunit_py):
        return None, [f'kunit.py not found ({kunit_py or "scripts/kernel-tools.sh failed"})']
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'results.json')
        p = subprocess.run([sys.executable, kunit_py, 'parse', f'--json={out}'],
                           input='\n'.join(lines) + '\n', capture_output=True, text=True)
        try:
            with open(out) as f:
                tree = json.load(f)
        except (OSError, ValueError):
            tail = (p.stdout + p.stderr).strip().split('\n')[-5:]
            return None, ['kunit.py parse gave no results: ' + ' | '.join(tail)]
    cases = []

    def walk(group, path):
        for sub in group['sub_groups']:
            # The suites themselves are the blocks; deeper groups (parameters) name their cases.
            walk(sub, path + [sub['name']] if group is not tree else path)
        for case in group['test_cases']:
            status = {'PASS': 'pass', 'SKIP': 'skip'}.get(case['status'], 'fail')
            cases.append((status, '/'.join(path + [case['name'] or 'missing result'])))

    walk(tree, [])
    problems = []
    if p.returncode != 0 and not any(s == 'fail' for s, _ in cases):
        tail = p.stdout.strip().split('\n')[-3:]
        problems.append('kunit.py parse failed the run: ' + ' | '.join(tail))
    return cases, problems


def parse_run(path, run, kunit_py):
    cases = []
    exit_status = None
    log = None
    block = None

    def close(block):
        what, lines = block
        own = parse_ktap(lines)
        if what.startswith('kunit/'):
            parsed, problems = kunit_cases(lines, kunit_py)
            if parsed is not None:
                # The cases both read from result lines must agree; what is missing (a crash)
                # is kunit.py's to count.
                mine = collections.Counter((s, n) for s, n in own
                                           if not n.startswith(('missing result', 'no KTAP')))
                theirs = collections.Counter((s, n.split('/')[-1]) for s, n in parsed
                                             if n.split('/')[-1] != 'missing result')
                if mine != theirs:
                    problems.append('kunit.py parse and results.py disagree: '
                                    f'{sorted(theirs - mine)} vs {sorted(mine - theirs)}')
                own = parsed
            own = own + [('fail', problem) for problem in problems]
        cases.extend((status, f'{run}/{what}/{name}') for status, name in own)

    try:
        text = open(path, errors='replace').read().replace('\r', '')
    except OSError:
        return [('fail', f'{run}: VM produced no output')]
    for line in text.split('\n'):
        if line.startswith('AFC-BEGIN '):
            if block:   # the previous block never ended: it does not pass by being replaced
                close(block)
                cases.append(('fail', f'{run}/{block[0]}/block did not finish'))
            block = (line[len('AFC-BEGIN '):].strip().replace(' ', '/'), [])
        elif line.endswith('AFC-END') and block:
            # A program whose last line had no newline leaves it in front of the marker.
            if line[:-len('AFC-END')]:
                block[1].append(line[:-len('AFC-END')])
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
    # A job that failed must show a failed case, even when its output lost the one that did.
    if exit_status not in (None, '0') and not any(status == 'fail' for status, _ in cases):
        cases.append(('fail', f'{run}/exit status {exit_status} without a failed case'))
    if run == 'host':   # scripts/host-check.sh: host tests, no VM and no kernel log
        cases.append(('pass' if exit_status is not None else 'fail', f'{run}/host tests finished'))
        return cases
    cases.append(('pass' if exit_status is not None else 'fail', f'{run}/vm finished'))
    cases.append(('pass' if log == 'clean' else 'fail', f'{run}/kernel log clean'))
    return cases


def default_kunit_py(top):
    """kunit.py from scripts/kernel-tools.sh (extracted from linux-source-6.1 once)."""
    try:
        tree = subprocess.run([os.path.join(top, 'scripts', 'kernel-tools.sh')],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return os.path.join(tree, 'tools', 'testing', 'kunit', 'kunit.py')


def main(args):
    top = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
    kunit_py = None
    if args[:1] == ['--kunit-py']:
        kunit_py, args = args[1], args[2:]
    counts = {'pass': 0, 'fail': 0, 'skip': 0}
    for run in args:
        path = os.path.join(top, 'build', 'vm', run + '.out')
        if kunit_py is None and os.path.exists(path) and 'AFC-BEGIN kunit ' in open(
                path, errors='replace').read():
            kunit_py = default_kunit_py(top) or ''
        for status, name in parse_run(path, run, kunit_py):
            counts[status] += 1
            print({'pass': 'ok     ', 'fail': 'FAILED ', 'skip': 'skipped'}[status], name)
    print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if counts['fail'] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
