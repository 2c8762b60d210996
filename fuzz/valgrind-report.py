#!/usr/bin/python3
"""valgrind-report.py: verdict on valgrind memcheck XML files of tshark runs.

  valgrind-report.py [--object exec.so] XML...

Fails (exit 1) on any memory error (invalid read/write/free, use of
uninitialised values, overlapping copies, bad syscall parameters: anywhere,
since one in Wireshark may be caused by our plugin's data), and on a
definitely-lost leak whose allocation stack passes through the plugin's object.
Leaks of tshark and GLib themselves (there are some at exit) are counted and
ignored.  Prints one line per finding with its top stack frames.
"""
import argparse
import sys
import xml.etree.ElementTree as ET


def frames(error):
    stack = error.find("stack")
    if stack is None:
        return []
    return [(f.findtext("obj") or "", f.findtext("fn") or "?",
             f.findtext("file") or "", f.findtext("line") or "") for f in stack.iter("frame")]


def describe(error):
    what = error.find("xwhat")
    return what.findtext("text") if what is not None else error.findtext("what") or ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--object", default="exec.so", help="the plugin's file name")
    ap.add_argument("xml", nargs="+")
    a = ap.parse_args()
    bad = 0
    ignored_leaks = 0
    runs = 0
    for path in a.xml:
        try:
            root = ET.parse(path).getroot()
        except (ET.ParseError, OSError) as e:
            print(f"valgrind-report: {path}: unreadable ({e}): the run did not finish")
            bad += 1
            continue
        runs += 1
        for error in root.iter("error"):
            kind = error.findtext("kind") or ""
            stack = frames(error)
            ours = any(a.object in obj for obj, _, _, _ in stack)
            if kind.startswith("Leak_"):
                if kind == "Leak_DefinitelyLost" and ours:
                    bad += 1
                else:
                    ignored_leaks += 1
                    continue
            else:
                bad += 1
            top = "; ".join(f"{fn} {file}:{line}".strip() for obj, fn, file, line in stack[:8])
            print(f"valgrind-report: {path}: {kind}{' (in ' + a.object + ')' if ours else ''}: "
                  f"{describe(error)}\n    {top}")
    print(f"valgrind-report: {runs} run(s), {bad} finding(s), "
          f"{ignored_leaks} leak record(s) outside {a.object} ignored")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
