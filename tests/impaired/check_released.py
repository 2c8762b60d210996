#!/usr/bin/python3
"""The suite's checks on real captures whose sessions the first pass
releases as it goes.

The first pass releases a session's working state once the capture is
EXEC_SESSION_RELEASE_SECONDS (exec-session.h) past its end and a new session
starts.  The committed multi-session captures follow one session with the
next within about a second, so here they are slowed down 10x
(stretch_time.py) and checked as the suite checks the originals: every
field against the oracle in one and two passes (check_captures.py), Export
Objects byte for byte (check_export.py), re-dissection in any order
(check_order.py), and late copies of a released session's segments
(check_late_copies.py).

  check_released.py --program REDISSECT_ORDER CAPTURE_DIR
CAPTURE_DIR holds copies of test-captures/*.pcap that tshark's user can read.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from stretch_time import stretch  # noqa: E402

# Captures with a session that starts more than the release time after an
# earlier one ended, once slowed down (hydra-brute's sessions hold no
# reused port pair: its late copies belong to the session they copy).
CAPTURES = ("busy-reused-tuple", "hydra-brute", "reused-tuple")
FACTOR = 10


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--program", required=True)
    ap.add_argument("captures")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="exec-released-")
    os.chmod(workdir, 0o755)
    stretched = [os.path.join(workdir, name + ".pcap") for name in CAPTURES]
    for name, out in zip(CAPTURES, stretched):
        stretch(FACTOR, os.path.join(args.captures, name + ".pcap"), out)
    py = "/usr/bin/python3"
    runs = [
        [py, os.path.join(TESTS, "captures", "check_captures.py")] + stretched,
        [py, os.path.join(HERE, "check_late_copies.py"), os.path.join(workdir, "hydra-brute.pcap")],
        [py, os.path.join(TESTS, "export", "check_export.py")] + stretched,
        [py, os.path.join(TESTS, "order", "check_order.py"), "--program", args.program] + stretched,
    ]
    failed = [run for run in runs if subprocess.run(run).returncode != 0]
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"released sessions: {len(runs) - len(failed)} of {len(runs)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
