#!/usr/bin/python3
"""Reads tests/mutation/mutants.txt and applies one mutant to a tree.

  apply.py LIST check ROOT [NAME ...]   every selected mutant's snippet occurs
                                        exactly once in its file (exit 2 if not)
  apply.py LIST names [NAME ...]        the selected names, one a line
  apply.py LIST file NAME               the mutant's file
  apply.py LIST apply ROOT NAME         replace the snippet in ROOT/file

The list is blocks of 'key: value' lines separated by blank lines; '#' lines
are comments.  Keys: name, file, why, old, new.  In old/new, '\\n' stands for
a newline and '\\t' for a tab.  A mutant is named by an exact source snippet,
not a line number, so it survives edits elsewhere in the file; a snippet that
is not found exactly once is an error, never a silent skip.
"""
import sys


def unescape(s):
    return s.replace("\\n", "\n").replace("\\t", "\t")


def load(path):
    mutants, cur = [], {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if cur:
                    mutants.append(cur)
                cur = {}
                continue
            key, sep, value = line.partition(": ")
            if not sep or key not in ("name", "file", "why", "old", "new"):
                sys.exit(f"{path}:{lineno}: not 'key: value' with a known key: {line!r}")
            cur[key] = unescape(value) if key in ("old", "new") else value
    if cur:
        mutants.append(cur)
    names = set()
    for m in mutants:
        for key in ("name", "file", "why", "old", "new"):
            if key not in m:
                sys.exit(f"{path}: mutant {m.get('name', '?')} has no {key}")
        if m["name"] in names:
            sys.exit(f"{path}: mutant {m['name']} listed twice")
        if m["old"] == m["new"]:
            sys.exit(f"{path}: mutant {m['name']} changes nothing")
        names.add(m["name"])
    return mutants


def select(mutants, names):
    if not names:
        return mutants
    by_name = {m["name"]: m for m in mutants}
    missing = [n for n in names if n not in by_name]
    if missing:
        sys.exit(f"no such mutant: {' '.join(missing)}")
    return [by_name[n] for n in names]


def count(root, m):
    with open(f"{root}/{m['file']}") as f:
        return f.read().count(m["old"])


def main():
    path, cmd, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    mutants = load(path)
    if cmd == "check":
        bad = 0
        for m in select(mutants, rest[1:]):
            n = count(rest[0], m)
            if n != 1:
                print(f"mutant {m['name']}: snippet found {n} times in {m['file']} (must be exactly once): "
                      f"{m['old']!r}", file=sys.stderr)
                bad += 1
        sys.exit(2 if bad else 0)
    if cmd == "names":
        for m in select(mutants, rest):
            print(m["name"])
        return
    if cmd == "file":
        print(select(mutants, rest)[0]["file"])
        return
    if cmd == "why":
        print(select(mutants, rest)[0]["why"])
        return
    if cmd == "apply":
        root, name = rest
        m = select(mutants, [name])[0]
        p = f"{root}/{m['file']}"
        with open(p) as f:
            text = f.read()
        if text.count(m["old"]) != 1:
            sys.exit(f"mutant {name}: snippet found {text.count(m['old'])} times in {m['file']}")
        with open(p, "w") as f:
            f.write(text.replace(m["old"], m["new"], 1))
        return
    sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
