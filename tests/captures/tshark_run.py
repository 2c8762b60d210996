"""Running tshark for the tests: with the plugin (from a private HOME, as an
unprivileged user when we are root, since Wireshark ignores personal plugins
as root) or without it."""
import functools
import os
import re
import subprocess

PLUGIN_HOME = os.environ.get("EXEC_TEST_HOME", "")
EMPTY_HOME = "/nonexistent-exec-test-home"
# Stands for the global plugin folder without an installed exec.so
# (tests/plugin-home.sh): the plugin under test, or the built-in, and no other.
PLUGIN_DIR = os.environ.get("EXEC_TEST_PLUGIN_DIR", "")


def wireshark_command(argv, plugin=True, extra_env=()):
    """argv (tshark or another libwireshark program) as it must run to load
    the plugin, or to run without it; extra_env: more NAME=VALUE for it."""
    home = PLUGIN_HOME if plugin else EMPTY_HOME
    env = ["env", "-i", "PATH=/usr/bin:/bin", "LANG=C.UTF-8", f"HOME={home}"]
    if PLUGIN_DIR:
        env.append(f"WIRESHARK_PLUGIN_DIR={PLUGIN_DIR}")
    extra = os.environ.get("EXEC_TSHARK_ENV", "")
    env += extra.split() if extra else []
    env += list(extra_env)
    cmd = env + list(argv)
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
    return cmd


def _command(args, plugin, extra_env=()):
    return wireshark_command(["tshark"] + list(args), plugin, extra_env)


def tshark(args, plugin=True, check=True, extra_env=()):
    """Runs tshark; returns (stdout, stderr) as text."""
    if plugin and not PLUGIN_HOME:
        raise RuntimeError("EXEC_TEST_HOME is not set: no plugin to test")
    proc = subprocess.run(_command(args, plugin, extra_env), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=300)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise RuntimeError(f"tshark {' '.join(args)} exited {proc.returncode}: {err}")
    return out, err


def fields(pcap, names, extra=(), plugin=True):
    """One dict per frame: field name -> list of values (all occurrences)."""
    # Quoted, so that an empty string ("") differs from an absent field.
    args = ["-r", pcap, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=\x1f",
            "-E", "separator=\x1e", "-E", "quote=d"]
    for name in names:
        args += ["-e", name]
    out, _ = tshark(list(extra) + args, plugin=plugin)
    rows = []
    for line in out.split("\n"):
        if not line:
            continue
        cols = line.split("\x1e")
        rows.append({n: ([_as_40(v) for v in c[1:-1].split("\x1f")] if c else [])
                     for n, c in zip(names, cols)})
    return rows


@functools.lru_cache(maxsize=None)
def _escapes_fields():
    """Whether tshark escapes a backslash as \\\\ and doubles a quote inside a
    quoted field: 4.4 and 4.6 do (measured), 4.0 prints both as they are."""
    out, _ = tshark(["--version"], plugin=False)
    version = re.search(r"\(Wireshark\) (\d+)\.(\d+)", out)
    return bool(version) and (int(version[1]), int(version[2])) >= (4, 4)


def _as_40(value):
    """A field value as 4.0 prints it, so that the tests and the dumps
    compared across versions do not depend on tshark's output escaping."""
    if not _escapes_fields():
        return value
    return re.sub(r'\\\\|""', lambda m: m[0][0], value)
