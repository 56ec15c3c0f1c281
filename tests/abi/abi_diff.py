#!/usr/bin/env python3
"""abi_diff.py [--cc CC] OLD_INCLUDE NEW_INCLUDE: is the SDK under NEW_INCLUDE binary compatible
with the one under OLD_INCLUDE (each a folder holding lxdp/*.h)?

Builds abi_surface.c (one exported function per released struct) against each header set with
debug info and compares the two shared objects with libabigail's abidiff. Compatible means: no
function of the surface is gone, and every struct that changed only grew at its end (members
inserted at or beyond its old size; lxdp_kv, lxdp_component, lxdp_device and lxdp_net_address,
which travel in arrays, not even that). Anything else abidiff reports (a member moved, removed,
retyped or renamed, a struct that shrank) is a break.

Why not an abidiff suppression such as `has_data_member_inserted_at = end`: libabigail 2.2
(Debian 12) then also hides a reorder or a retyped member whenever the struct grew, so the appends
are recognised here, in abidiff's leaf-change report, instead.

Exit status: 0 compatible, 1 incompatible, 2 the check itself could not run.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SURFACE = os.path.join(HERE, "abi_surface.c")
ARRAY_ELEMENTS = {"lxdp_kv", "lxdp_component", "lxdp_device", "lxdp_net_address"}


class ToolError(Exception):
    pass


def build_surface(cc, include, out):
    cmd = [cc, "-g", "-O0", "-shared", "-fPIC", "-fvisibility=hidden", "-I", include, SURFACE, "-o", out]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        # Headers that no longer compile with the 1.0 surface broke the ABI's source form.
        raise ToolError("the ABI surface does not compile against %s:\n%s" % (include, r.stderr))


def abidiff(old_so, new_so):
    r = subprocess.run(["abidiff", "--leaf-changes-only", "--no-show-locs", old_so, new_so],
                       capture_output=True, text=True)
    # abidiff's status is a bit mask: 1 tool error, 2 usage error, 4 ABI change, 8 incompatible.
    if r.returncode & 3:
        raise ToolError("abidiff failed (status %d): %s" % (r.returncode, r.stderr or r.stdout))
    return r.returncode, r.stdout


def judge(report):
    """The problems in abidiff's leaf-change report; empty when every change is an append."""
    problems = []
    m = re.search(r"functions summary: (\d+) Removed", report)
    if m and int(m.group(1)) > 0:
        problems.append("%s surface function(s) removed" % m.group(1))
    # Each changed artifact is a block starting at column 0 with its quoted name.
    blocks = re.split(r"^(?='.*' changed:$)", report, flags=re.M)
    for block in blocks[1:]:
        lines = block.rstrip("\n").split("\n")
        head = re.match(r"'struct (\w+)' changed:", lines[0])
        if not head:
            problems.append("%s (only structs may change, by growing at their end)" % lines[0])
            continue
        name = head.group(1)
        old_size = None
        in_insertions = False
        for line in lines[1:]:
            if re.match(r"  (one impacted interface|\d+ impacted interfaces):", line) or line.startswith("    function "):
                in_insertions = False
                continue
            size = re.match(r"  type size changed from (\d+) to (\d+) \(in bits\)", line)
            if size:
                old_size, new_size = int(size.group(1)), int(size.group(2))
                if new_size < old_size:
                    problems.append("%s shrank from %d to %d bytes" % (name, old_size // 8, new_size // 8))
                elif name in ARRAY_ELEMENTS:
                    problems.append("%s travels in arrays and may not grow (%d to %d bytes)"
                                    % (name, old_size // 8, new_size // 8))
                continue
            if line == "  type size hasn't changed":
                continue
            if re.match(r"  (\d+|one) data member insertions?:", line):
                in_insertions = True
                continue
            inserted = re.match(r"    '(.*)', at offset (\d+) \(in bits\)", line)
            if in_insertions and inserted:
                if old_size is None or int(inserted.group(2)) < old_size:
                    problems.append("%s: member %s inserted at bit %s, not after the old end"
                                    % (name, inserted.group(1), inserted.group(2)))
                continue
            # Deeper lines detail the item above them, which is already a problem.
            if len(line) - len(line.lstrip(" ")) <= 4:
                problems.append("%s: %s" % (name, line.strip()))
    return problems


def compare(cc, old_include, new_include, work):
    old_so, new_so = os.path.join(work, "abi-old.so"), os.path.join(work, "abi-new.so")
    build_surface(cc, old_include, old_so)
    build_surface(cc, new_include, new_so)
    status, report = abidiff(old_so, new_so)
    # With status 0 the report is only its summary: nothing changed.
    return (judge(report) if status else []), (report if status else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"))
    parser.add_argument("old_include")
    parser.add_argument("new_include")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lxdp-abi-") as work:
        try:
            problems, report = compare(args.cc, args.old_include, args.new_include, work)
        except (ToolError, OSError) as e:
            print("abi_diff: %s" % e, file=sys.stderr)
            return 2
    if problems:
        print("INCOMPATIBLE with the SDK in %s:" % args.old_include)
        for p in problems:
            print("  " + p)
        print("\nabidiff's report:\n" + report)
        return 1
    print("compatible with the SDK in %s%s" % (args.old_include, " (appends only)" if report.strip() else ""))
    if report.strip():
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
