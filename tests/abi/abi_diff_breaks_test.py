#!/usr/bin/env python3
"""abi_diff_breaks_test.py [--cc CC]: abi_diff.py tells appends from breaks.

Copies the frozen SDK 1.0 headers, makes one edit per case (a reordered, removed, retyped or
inserted member, a changed function pointer, a grown array element, and on the other side
appends to structs and tables), and checks abi_diff's verdict on each. Exit status 0 when every
verdict is the expected one.
"""
import argparse
import os
import shutil
import sys
import tempfile

import abi_diff

FROZEN = os.path.join(abi_diff.HERE, "sdk-1.0")

# (case, header, text, replacement, compatible?)
CASES = [
    ("members reordered", "storage.h",
     "    uint32_t flags;        /* LXDP_STORAGE_* */\n    const char *version;",
     "    const char *version;\n    uint32_t flags;", False),
    ("last member removed", "storage.h",
     "    lxdp_status (*volume_set_size)(void *pool, const lxdp_volume *vol, const char *size,\n"
     "                                   lxdp_error *err);\n", "", False),
    ("member retyped and the struct grown", "abi.h",
     "    uint32_t timeout_ms;", "    uint64_t timeout_ms;", False),
    ("function pointer signature changed", "storage.h",
     "lxdp_status (*pool_delete)(void *pool, lxdp_error *err);",
     "lxdp_status (*pool_delete)(void *pool, int32_t force, lxdp_error *err);", False),
    ("member inserted in the middle", "abi.h",
     "    lxdp_host *host; /* pass back on every call */", "    lxdp_host *host;\n    void *extra;", False),
    ("array element grown", "abi.h",
     "    const char *value;\n} lxdp_kv;", "    const char *value;\n    const char *comment;\n} lxdp_kv;", False),
    ("appends to a table and a struct", "storage.h",
     "                                   lxdp_error *err);\n} lxdp_storage_ops;",
     "                                   lxdp_error *err);\n"
     "    lxdp_status (*volume_later)(void *pool, const lxdp_volume *vol, lxdp_error *err);\n"
     "} lxdp_storage_ops;", True),
    ("append to the host services", "abi.h",
     "    int32_t (*op_cancelled)(lxdp_op *op);\n",
     "    int32_t (*op_cancelled)(lxdp_op *op);\n    void (*later)(lxdp_host *host);\n", True),
    ("minor bumped", "abi.h", "#define LXDP_ABI_MINOR 0", "#define LXDP_ABI_MINOR 1", True),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"))
    args = parser.parse_args()
    wrong = 0
    with tempfile.TemporaryDirectory(prefix="lxdp-abi-breaks-") as work:
        for case, header, text, replacement, compatible in CASES:
            edited = os.path.join(work, "include")
            shutil.rmtree(edited, ignore_errors=True)
            shutil.copytree(FROZEN, edited)
            path = os.path.join(edited, "lxdp", header)
            with open(path) as f:
                source = f.read()
            if text not in source:
                print("FAIL %s: the text to edit is not in %s" % (case, header))
                wrong += 1
                continue
            with open(path, "w") as f:
                f.write(source.replace(text, replacement, 1))
            problems, _ = abi_diff.compare(args.cc, FROZEN, edited, work)
            ok = (not problems) == compatible
            wrong += not ok
            verdict = "compatible" if not problems else "incompatible: " + "; ".join(problems)
            print("%s %s -> %s" % ("ok  " if ok else "FAIL", case, verdict))
    print("%d wrong verdict(s)" % wrong)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
