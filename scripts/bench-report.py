#!/usr/bin/env python3
"""bench-report.py [--no-plot] RUN.out OUTDIR: the host half of `make bench`.

Reads the JSON lines `afc perf client` printed in the VM (build/vm/bench.out), takes the median of
the repetitions of each measurement with its spread (min-max), and writes to OUTDIR:
  results.csv     one row per measurement and figure: median, min, max, n and every value
  results.json    the same, with the ratios, the targets and the run's configuration
  report.txt      the tables printed on stdout
  throughput.dat, throughput.gp, throughput.png   stream throughput against write size (gnuplot)
  profile.txt     the perf report of the profiled run, when there was one (make bench PROFILE=1)
Repetition 0 is the warm-up and is not counted.  Ratios are af_custom / other: of the medians,
and in brackets the smallest and largest ratio of the same repetition's pair (the transports of
one repetition ran back to back, so a slow spell of the host hits both sides of a pair).
"""
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys

ORDER = ['afc-stream', 'afc-seqpacket', 'tcp', 'tipc-stream', 'tipc-seqpacket', 'unix',
         'unix-1cpu']
SIZES = [64, 1024, 16384, 65536]
# (af_custom, other): the ratios in results.json; the first TABLE_PAIRS are the table's columns
PAIRS = [('afc-stream', 'tcp'), ('afc-stream', 'tipc-stream'), ('afc-stream', 'unix'),
         ('afc-stream', 'unix-1cpu'), ('afc-seqpacket', 'tipc-seqpacket'),
         ('afc-seqpacket', 'tcp'), ('afc-seqpacket', 'unix-1cpu')]
TABLE_PAIRS = 5


def size_name(n):
    return f'{n // 1024} KiB' if n >= 1024 and n % 1024 == 0 else f'{n} B'


def fmt(v):
    """Three significant digits, no exponent for the usual range."""
    if v is None:
        return '-'
    if v == 0:
        return '0'
    a = abs(v)
    if a >= 1000:
        return f'{v:.0f}'
    if a >= 100:
        return f'{v:.0f}'
    if a >= 10:
        return f'{v:.1f}'
    if a >= 1:
        return f'{v:.2f}'
    return f'{v:.3g}'


# Figures: (row name, test, size, flows, field, unit, better)
def figures():
    rows = []
    for flows in (1, 4):
        for size in SIZES:
            rows.append((f'stream {size_name(size)} x{flows}', 'stream', size, flows, 'mbit_s',
                         'Mbit/s', 'higher'))
    for size in (1, 1024):
        for field, q in (('lat_p50_us', 'median'), ('lat_p99_us', 'p99'), ('lat_min_us', 'min')):
            rows.append((f'rr {size_name(size)} {q}', 'rr', size, 1, field, 'us', 'lower'))
    rows.append(('connections', 'crr', 16, 1, 'ops_s', '/s', 'higher'))
    for flows in (1, 4):
        for size in SIZES:
            rows.append((f'cpu stream {size_name(size)} x{flows}', 'stream', size, flows,
                         'cpu_ns_per_byte', 'ns/B', 'lower'))
    rows.append(('cpu rr 1 B', 'rr', 1, 1, 'cpu_us_per_op', 'us/op', 'lower'))
    rows.append(('cpu connection', 'crr', 16, 1, 'cpu_us_per_op', 'us/op', 'lower'))
    for size in (1024, 65536):
        rows.append((f'wire/payload {size_name(size)} x1', 'stream', size, 1, 'wire_per_byte',
                     'B/B', 'lower'))
    return rows


# The targets: (figure row, af_custom, other, op, bound)
TARGETS = [
    ('stream 64 KiB x1', 'afc-stream', 'tcp', '>=', 1.0),
    ('stream 64 KiB x1', 'afc-stream', 'tipc-stream', '>=', 1.5),
    ('stream 1 KiB x1', 'afc-stream', 'tcp', '>=', 1.0),
    ('rr 1 B median', 'afc-stream', 'tcp', '<=', 0.8),
    ('rr 1 B median', 'afc-stream', 'tipc-stream', '<=', 1.0),
    ('connections', 'afc-stream', 'tcp', '>=', 1.0),
    ('stream 64 KiB x1', 'afc-stream', 'unix', '>=', 0.5),
    ('stream 64 KiB x1', 'afc-stream', 'unix-1cpu', '>=', 0.5),
]


def parse(path):
    runs, config, errors, profile, done = [], {'afc_stat': {}}, [], [], None
    in_profile = False
    with open(path, errors='replace') as f:
        for line in f:
            line = line.replace('\r', '').rstrip('\n')
            if in_profile:
                if line.startswith('AFC-BENCH-PROFILE-END'):
                    in_profile = False
                else:
                    profile.append(line)
                continue
            if line.startswith('{"afc_perf"'):
                try:
                    r = json.loads(line)
                except ValueError:
                    errors.append(f'unparsable result line: {line[:120]}')
                    continue
                r.setdefault('label', r['transport'])
                if r.get('wire_bytes') is not None and r.get('bytes'):
                    r['wire_per_byte'] = r['wire_bytes'] / r['bytes']
                runs.append(r)
            elif line.startswith('AFC-BENCH-CONFIG '):
                config.update(kv.split('=', 1) for kv in line.split()[1:] if '=' in kv)
            elif line.startswith('AFC-BENCH-STAT '):
                words = line.split()
                config['afc_stat'][words[1]] = {k: int(v) for k, v in zip(words[2::2], words[3::2])
                                                if v.isdigit()}
            elif line.startswith('AFC-BENCH-ERROR '):
                errors.append(line[len('AFC-BENCH-ERROR '):])
            elif line.startswith('AFC-BENCH-PROFILE-BEGIN'):
                in_profile = True
                profile.append(line[len('AFC-BENCH-PROFILE-BEGIN'):].strip())
            elif line.startswith('AFC-BENCH-DONE '):
                done = line.split()[1]
    if done:
        config['vm_seconds'] = done
    return runs, config, errors, profile


def collect(runs):
    """{(label, test, size, flows, field): {rep: value}} over repetitions >= 1."""
    data = {}
    for r in runs:
        if r.get('rep', 0) < 1:
            continue
        for field in ('mbit_s', 'ops_s', 'lat_p50_us', 'lat_p99_us', 'lat_min_us',
                      'cpu_ns_per_byte', 'cpu_us_per_op', 'wire_per_byte'):
            if r.get(field) is not None:
                key = (r['label'], r['test'], r['size'], r['flows'], field)
                data.setdefault(key, {})[r['rep']] = r[field]
    return data


def stats(values):
    v = sorted(values)
    return {'median': statistics.median(v), 'min': v[0], 'max': v[-1], 'n': len(v)}


def ratio(data, fig, a, b):
    """Ratio a/b of the medians, and the range of the per-repetition ratios."""
    _, test, size, flows, field = fig[:5]
    ka, kb = (a, test, size, flows, field), (b, test, size, flows, field)
    if ka not in data or kb not in data:
        return None
    va, vb = data[ka], data[kb]
    mb = statistics.median(vb.values())
    if not mb:
        return None
    pairs = [va[r] / vb[r] for r in va if r in vb and vb[r]]
    return {'ratio': statistics.median(va.values()) / mb,
            'min': min(pairs) if pairs else None, 'max': max(pairs) if pairs else None,
            'n': len(pairs)}


def table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    out = ['  '.join(str(h).ljust(w) if i == 0 else str(h).rjust(w)
                     for i, (h, w) in enumerate(zip(header, widths)))]
    out.append('  '.join('-' * w for w in widths))
    for r in rows:
        out.append('  '.join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                             for i, (c, w) in enumerate(zip(r, widths))))
    return out


def report(data, labels, config, errors, targets):
    figs = figures()
    lines = []
    secs = config.get('seconds', '?')
    lines.append(f"af_custom benchmark: kernel {config.get('kernel', '?')}, "
                 f"{config.get('cpus', '?')} vCPUs (QEMU TCG), clock source "
                 f"{config.get('clocksource', '?')}; {config.get('reps', '?')} repetitions of "
                 f"{secs} s per figure; VM time {config.get('vm_seconds', '?')} s")
    lines.append('Each cell: median [min-max] of the repetitions.  Absolute figures are emulated;'
                 ' the ratios are the result.')
    groups = [('Throughput, Mbit/s (higher is better); xN = N flows', 'mbit_s'),
              ('Request/response latency, microseconds (lower is better; min: the fastest round'
               ' trip, the least disturbed by the host)', 'lat'),
              ('Connection rate: connect, exchange, close per second (higher is better)',
               'ops_s'),
              ('CPU: sys+softirq of the whole VM per payload byte (ns/B) or per operation (us)',
               'cpu'),
              ('Bytes on the veth per payload byte (both directions; ~0: it never crossed it)',
               'wire')]
    for title, kind in groups:
        rows = []
        for fig in figs:
            name, test, size, flows, field, unit, _ = fig
            if not (field == kind or field.startswith(kind)):
                continue
            row = [f'{name} ({unit})']
            any_value = False
            for label in labels:
                vals = data.get((label, test, size, flows, field))
                if vals:
                    s = stats(vals.values())
                    f = (lambda v: f'{v:.3f}') if kind == 'wire' else fmt
                    row.append(f"{f(s['median'])} [{f(s['min'])}-{f(s['max'])}]")
                    any_value = True
                else:
                    row.append('-')
            if any_value:
                rows.append(row)
        if rows:
            lines += ['', title] + table(['figure'] + labels, rows)

    rows = []
    pairs = [(a, b) for a, b in PAIRS[:TABLE_PAIRS] if a in labels and b in labels]
    for fig in figs:
        if fig[4] in ('wire_per_byte',):
            continue
        row = [f'{fig[0]} ({fig[5]})']
        for a, b in pairs:
            r = ratio(data, fig, a, b)
            row.append('-' if r is None or r['min'] is None else
                       f"{r['ratio']:.2f} [{r['min']:.2f}-{r['max']:.2f}]")
        if any(c != '-' for c in row[1:]):
            rows.append(row)
    if rows:
        lines += ['', 'Ratios af_custom / other (stream: afc-stream, seqpacket: afc-seqpacket):'
                  ' of the medians [range of the per-repetition ratios]; for latency and CPU'
                  ' lower is better; all pairs in results.json']
        lines += table(['figure'] + [f"{a.replace('afc-', '')}/{b}" for a, b in pairs], rows)

    if targets:
        lines += ['', "The issue's targets (af_custom stream; informational, nothing fails on"
                  ' them)']
        rows = [[t['figure'], f"{t['afc']}/{t['other']} {t['op']} {t['bound']}",
                 '-' if t['ratio'] is None else f"{t['ratio']:.3f}",
                 '-' if t['ratio'] is None else ('met' if t['met'] else 'missed')]
                for t in targets]
        lines += table(['figure', 'target', 'ratio', ''], rows)
    stat = []
    for ns, counters in sorted(config.get('afc_stat', {}).items()):
        side = {'a': 'client (a)', 'b': 'server (b)'}.get(ns, ns)
        busy = [f'{k} {v}' for k, v in counters.items()
                if v and not k.startswith(('rx_', 'tx_', 'conn_'))]
        stat.append(f"  {side}: {', '.join(busy) or 'nothing'}")
    if stat:
        lines += ['', 'af_custom counters over the whole run (retransmissions, drops):'] + stat
    if errors:
        lines += ['', f'{len(errors)} measurement(s) failed:'] + [f'  {e}' for e in errors]
    return lines


def evaluate_targets(data):
    figs = {f[0]: f for f in figures()}
    out = []
    for name, a, b, op, bound in TARGETS:
        r = ratio(data, figs[name], a, b)
        v = r['ratio'] if r else None
        met = None if v is None else (v >= bound if op == '>=' else v <= bound)
        out.append({'figure': name, 'afc': a, 'other': b, 'op': op, 'bound': bound,
                    'ratio': v, 'met': met})
    return out


def write_plot(data, labels, outdir, plot):
    dat = os.path.join(outdir, 'throughput.dat')
    blocks = []
    with open(dat, 'w') as f:
        f.write('# write_size median_mbit_s min max; one block per transport and flow count\n')
        for flows in (1, 4):
            for label in labels:
                pts = [(size, stats(data[(label, 'stream', size, flows, 'mbit_s')].values()))
                       for size in SIZES if (label, 'stream', size, flows, 'mbit_s') in data]
                if not pts:
                    continue
                f.write(f'# {label} x{flows}\n')
                for size, s in pts:
                    f.write(f"{size} {s['median']:.4f} {s['min']:.4f} {s['max']:.4f}\n")
                f.write('\n\n')
                blocks.append((flows, label, len(blocks)))
    gp = os.path.join(outdir, 'throughput.gp')
    styles = {'afc-stream': 'lc rgb "#d62728" lw 3 pt 7',
              'afc-seqpacket': 'lc rgb "#ff7f0e" lw 3 pt 5',
              'tcp': 'lc rgb "#1f77b4" lw 2 pt 9',
              'tipc-stream': 'lc rgb "#2ca02c" lw 2 pt 11',
              'tipc-seqpacket': 'lc rgb "#6bbf59" lw 2 dt 3 pt 13',
              'unix': 'lc rgb "#7f7f7f" lw 2 pt 4',
              'unix-1cpu': 'lc rgb "#000000" lw 2 dt 2 pt 6'}
    with open(gp, 'w') as f:
        f.write('# gnuplot script of make bench (scripts/bench-report.py writes it)\n')
        f.write('set terminal pngcairo size 1400,620 enhanced font "DejaVu Sans,11"\n')
        f.write('set output "throughput.png"\n')
        f.write('set logscale xy 2\nset logscale y 10\nset grid xtics ytics mytics\n')
        f.write('set xtics ("64 B" 64, "1 KiB" 1024, "16 KiB" 16384, "64 KiB" 65536)\n')
        f.write('set xrange [45:92000]\nset format y "%g"\n')
        f.write('set xlabel "write size"\nset ylabel "Mbit/s (median, bars: min-max)"\n')
        f.write('set key top left box opaque\n')
        f.write('set multiplot layout 1,2 title "Stream throughput against write size '
                '(QEMU TCG: emulated, compare ratios)"\n')
        for flows in (1, 4):
            f.write(f'set title "{flows} flow{"s" if flows > 1 else ""}"\n')
            items = [f'"throughput.dat" index {i} using 1:2:3:4 with yerrorlines '
                     f'{styles.get(label, "lw 2")} title "{label}"'
                     for fl, label, i in blocks if fl == flows]
            if items:
                f.write('plot ' + ', \\\n     '.join(items) + '\n')
        f.write('unset multiplot\n')
    if not plot:
        return None
    gnuplot = shutil.which('gnuplot')
    if not gnuplot:
        print('bench-report: no gnuplot; throughput.gp and throughput.dat are written',
              file=sys.stderr)
        return None
    res = subprocess.run([gnuplot, 'throughput.gp'], cwd=outdir, capture_output=True, text=True)
    if res.returncode:
        print(f'bench-report: gnuplot failed: {res.stderr.strip()}', file=sys.stderr)
        return None
    return os.path.join(outdir, 'throughput.png')


def main(argv):
    plot = '--no-plot' not in argv
    args = [a for a in argv if a != '--no-plot']
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, outdir = args
    os.makedirs(outdir, exist_ok=True)
    runs, config, errors, profile = parse(path)
    data = collect(runs)
    if not data:
        print(f'bench-report: no results in {path}', file=sys.stderr)
        return 1
    present = {k[0] for k in data}
    labels = [l for l in ORDER if l in present] + sorted(present - set(ORDER))
    targets = evaluate_targets(data)
    lines = report(data, labels, config, errors, targets)

    with open(os.path.join(outdir, 'report.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    results = []
    with open(os.path.join(outdir, 'results.csv'), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['transport', 'test', 'size', 'flows', 'figure', 'median', 'min', 'max', 'n',
                    'values'])
        for (label, test, size, flows, field), vals in sorted(
                data.items(), key=lambda kv: (labels.index(kv[0][0]), kv[0][1:])):
            s = stats(vals.values())
            values = [vals[r] for r in sorted(vals)]
            w.writerow([label, test, size, flows, field, s['median'], s['min'], s['max'], s['n'],
                        ';'.join(f'{v:g}' for v in values)])
            results.append({'transport': label, 'test': test, 'size': size, 'flows': flows,
                            'figure': field, **s, 'values': values})
    ratios = []
    for fig in figures():
        for a, b in PAIRS:
            r = ratio(data, fig, a, b)
            if r:
                ratios.append({'figure': fig[0], 'field': fig[4], 'afc': a, 'other': b, **r})
    with open(os.path.join(outdir, 'results.json'), 'w') as f:
        json.dump({'config': config, 'results': results, 'ratios': ratios, 'targets': targets,
                   'errors': errors}, f, indent=1)
        f.write('\n')
    if os.path.exists(os.path.join(outdir, 'profile.txt')):
        os.remove(os.path.join(outdir, 'profile.txt'))   # an earlier run's
    if profile:
        text = '\n'.join(profile) + '\n'
        if shutil.which('c++filt'):   # the C++ core's symbols, readable
            text = subprocess.run(['c++filt'], input=text, capture_output=True,
                                  text=True).stdout or text
        with open(os.path.join(outdir, 'profile.txt'), 'w') as f:
            f.write(text)
    png = write_plot(data, labels, outdir, plot)
    print('\n'.join(lines))
    print(f"\nbench-report: {outdir}/: report.txt results.csv results.json"
          f"{' throughput.png' if png else ''}{' profile.txt' if profile else ''}")
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
