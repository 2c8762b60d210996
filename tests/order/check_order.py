#!/usr/bin/python3
"""Re-dissection in any order, as the GUI does it: runs redissect-order (a
first pass, then every frame dissected again in file, random, reverse and
another random order; each frame's columns and exec tree must not change,
and must be what the first pass showed, made as tshark -V makes it, but for
the links to later frames and TCP's Info on frames exec does not own)
over the captures, with TCP's default preferences, in three other TCP
modes and with exec's heuristic on.  With --export, as the GUI's File >
Export Objects > EXEC: the objects listed after the first pass and again
after each order (file order with taps, as the dialog does) must be the
same, bytes included, whatever was dissected in between.  And once more as
a live capture in the GUI dissects: each frame again right after its first
pass (--live); every frame must then read as after a plain first pass (a
count that grows on every pass, shown at a later frame, differs).  Fails on any difference, and when a mode shows no exec item at all
or a real session capture (test-captures/) shows none: a test that sees
nothing proves nothing.  Prints one line per mode and capture problem and
closes with 'N passed, N failed'.

  check_order.py --program PATH [--seed N] CAPTURE...

Needs EXEC_TEST_HOME (the HOME holding the plugin, see tshark_run.py).
"""
import argparse
import concurrent.futures
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "captures"))
from tshark_run import wireshark_command  # noqa: E402

MODES = {
    "default": [],
    "out-of-order": ["-o", "tcp.reassemble_out_of_order:TRUE"],
    "no-desegment": ["-o", "tcp.desegment_tcp_streams:FALSE"],
    "no-seq-analysis": ["-o", "tcp.analyze_sequence_numbers:FALSE"],
    # Sessions on other ports, found by the heuristic (tests/heuristic/).
    "heuristic": ["--enable-heuristic", "exec_tcp"],
}
# Captures that must show exec items in a mode (a check that sees nothing
# proves nothing): the real sessions everywhere, the other-port sessions
# with the heuristic on.
MUST_SHOW = {mode: ("/test-captures/",) for mode in MODES}
MUST_SHOW["heuristic"] += ("/tests/heuristic/exec-port-5120.pcap",)
# A field the built-in exec dissector lacks: the plugin is the one tested.
PLUGIN_FIELD = "exec.stderr_port_number"
# Each capture costs about 0.15 s to set up (Wireshark's init routines),
# about as much as dissecting 250 kB of it: the estimate that balances the
# processes of a mode when there are more cores than modes.
SETUP_COST_BYTES = 250_000
# Every frame of a capture is dissected again, up to this many (a seeded
# sample beyond): the 60,000 frames of 10,000 alike half-open sessions
# would otherwise take most of the time.
MAX_FRAMES = 10000
CAPTURE_LINE = re.compile(r"^(ok  |FAIL) (.*): (\d+) frames, (\d+) re-dissected, (\d+) with exec items, "
                          r"(\d+) comparisons, (\d+) differing$")
EXPORT_LINE = re.compile(r"^(ok  |FAIL) (.*): export objects, (\d+) objects, the same after each of (\d+) orders$")


def readable_copies(captures, workdir):
    """World-readable copies for the unprivileged run, decompressed: reading
    a frame back from a gzip file inflates up to a megabyte before it, which
    made the 60,000-frame hostile capture take 4 minutes instead of 12 s."""
    copies = {}
    for capture in captures:
        compressed = capture.endswith(".gz")
        copy = os.path.join(workdir, os.path.basename(capture[:-3] if compressed else capture))
        if copy in copies:
            raise SystemExit(f"two captures named {os.path.basename(copy)}")
        with (gzip.open if compressed else open)(capture, "rb") as src, open(copy, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.chmod(copy, 0o644)
        copies[copy] = capture
    return copies


def batches(copies, count):
    """The captures in count lists of about equal cost, biggest first."""
    lists, loads = [[] for _ in range(count)], [0] * count
    for copy in sorted(copies, key=os.path.getsize, reverse=True):
        emptiest = loads.index(min(loads))
        lists[emptiest].append(copy)
        loads[emptiest] += os.path.getsize(copy) + SETUP_COST_BYTES
    return [batch for batch in lists if batch]


def run_batch(program, mode, seed, batch):
    cmd = wireshark_command([program, "--require-field", PLUGIN_FIELD, "--compare-first-pass", "--export",
                             "--seed", str(seed),
                             "--max-frames", str(MAX_FRAMES)] + MODES[mode] + batch)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return mode, proc.returncode, proc.stdout.decode("utf-8", "replace"), \
        proc.stderr.decode("utf-8", "replace")


def live_problems(program, copies):
    """The live order (each frame dissected again right after its first
    pass, as a live capture in the GUI shows it) against the plain first
    pass: the file-order text of every frame must be the same.  The small
    captures (not the compressed floods)."""
    small = [copy for copy, capture in copies.items() if not capture.endswith(".gz")]

    def dump(extra):
        cmd = wireshark_command([program, "--require-field", PLUGIN_FIELD, "--dump"] + extra + small)
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        texts, current = {}, None
        for line in proc.stdout.decode("utf-8", "replace").splitlines():
            if line.startswith("=== "):
                current = line[4:]
                texts[current] = []
            elif current and not line.startswith(("ok   ", "FAIL ", "total: ")):
                texts[current].append(line)
        return proc.returncode, texts
    plain_rc, plain = dump([])
    live_rc, live = dump(["--live"])
    problems = [f"exit {rc} ({what})" for what, rc in (("plain", plain_rc), ("live", live_rc)) if rc]
    if not plain or not any("(exec." in line for text in plain.values() for line in text):
        problems.append("no exec item in the plain dump: nothing was checked")
    differing = [frame for frame in plain if live.get(frame) != plain[frame]]
    if set(live) != set(plain):
        problems.append(f"live order dumped {len(live)} frames, plain {len(plain)}")
    for frame in differing[:5]:
        problems.append(f"{frame}: live order differs\n--- plain\n" + "\n".join(plain[frame]) +
                        "\n--- live\n" + "\n".join(live.get(frame, [])))
    if len(differing) > 5:
        problems.append(f"... {len(differing)} frames differ")
    for copy, capture in copies.items():
        problems = [p.replace(copy, capture) for p in problems]
    return len(plain), problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--program", required=True, help="the built redissect-order")
    parser.add_argument("--seed", type=int, default=1, help="of the random orders")
    parser.add_argument("captures", nargs="+")
    args = parser.parse_args()

    start = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="exec-order.")
    os.chmod(workdir, 0o755)
    try:
        copies = readable_copies(args.captures, workdir)
        cores = os.cpu_count() or 1
        jobs = [(mode, batch) for mode in MODES for batch in batches(copies, max(1, cores // len(MODES)))]
        results = {mode: {"frames": 0, "redissected": 0, "exec": 0, "comparisons": 0, "objects": 0, "problems": []}
                   for mode in MODES}
        exec_frames = {}    # (mode, original capture) -> frames with exec items
        with concurrent.futures.ThreadPoolExecutor(max_workers=cores) as pool:
            futures = [pool.submit(run_batch, os.path.abspath(args.program), mode, args.seed, batch)
                       for mode, batch in jobs]
            for future in concurrent.futures.as_completed(futures):
                mode, returncode, out, err = future.result()
                result = results[mode]
                for line in out.splitlines():
                    exported = EXPORT_LINE.match(line)
                    if exported:
                        result["objects"] += int(exported[3])
                    match = CAPTURE_LINE.match(line)
                    if not match:
                        continue
                    exec_frames[(mode, copies[match[2]])] = int(match[5])
                    result["frames"] += int(match[3])
                    result["redissected"] += int(match[4])
                    result["exec"] += int(match[5])
                    result["comparisons"] += int(match[6])
                if returncode != 0:
                    # The frames that differ, with both texts, as the program printed them.
                    report = "".join(line + "\n" for line in (out + err).splitlines()
                                     if not line.startswith(("ok   ", "total: ")))
                    for copy, capture in copies.items():
                        report = report.replace(copy, capture)
                    result["problems"].append(f"exit {returncode}\n{report}")
        live_frames, live = live_problems(os.path.abspath(args.program), copies)
    finally:
        shutil.rmtree(workdir)

    passed = failed = 0
    for mode, result in results.items():
        problems = result["problems"]
        missing = [c for c in args.captures if (mode, c) not in exec_frames]
        if missing:
            problems.append("not checked: " + " ".join(missing))
        silent = [c for c in args.captures
                  if any(must in os.path.abspath(c) for must in MUST_SHOW[mode]) and exec_frames.get((mode, c)) == 0]
        if silent:
            problems.append("no exec item in a capture of real sessions: " + " ".join(silent))
        if result["exec"] == 0:
            problems.append("no frame with exec items: nothing was checked")
        if result["objects"] == 0:
            problems.append("no exported object: the export was not checked")
        print(f"{'FAIL' if problems else 'ok  '} {mode}: {len(args.captures)} captures, "
              f"{result['frames']} frames, {result['redissected']} re-dissected "
              f"({result['exec']} with exec items), {result['comparisons']} comparisons "
              f"with the file-order text; {result['objects']} exported objects the same after each order")
        for problem in problems:
            print("     " + problem.replace("\n", "\n     ").rstrip())
        passed += not problems
        failed += bool(problems)
    print(f"{'FAIL' if live else 'ok  '} live order (each frame again right after its first pass): "
          f"{live_frames} frames, each as after a plain first pass")
    for problem in live:
        print("     " + problem.replace("\n", "\n     ").rstrip())
    passed += not live
    failed += bool(live)
    print(f"seed {args.seed}, {time.monotonic() - start:.0f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
