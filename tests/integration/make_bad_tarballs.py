#!/usr/bin/env python3
"""Hostile image and backup tarballs for the I rows of the battery: make_bad_tarballs.py DIR CANARY.

Each file is named after what it tries; CANARY is a host directory that must stay untouched.
"""
import gzip
import io
import os
import sys
import tarfile

out, canary = sys.argv[1], sys.argv[2]
METADATA = b"architecture: x86_64\ncreation_date: 1700000000\nproperties:\n  os: bad\n"


def add(tar, name, data=b"", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def image(name, entries, fmt=tarfile.GNU_FORMAT):
    with tarfile.open(os.path.join(out, name), "w", format=fmt) as tar:
        for entry in entries:
            add(tar, *entry)


def valid():
    return [("metadata.yaml", METADATA), ("rootfs", b"", tarfile.DIRTYPE), ("rootfs/etc", b"", tarfile.DIRTYPE)]


for fmt, tag in ((tarfile.GNU_FORMAT, "gnu"), (tarfile.USTAR_FORMAT, "ustar"), (tarfile.PAX_FORMAT, "pax")):
    image("I-1-dotdot-%s.tar" % tag, valid() + [("rootfs/../../../../%s/dotdot" % canary.lstrip("/"), b"x")], fmt)
    image("I-1-absolute-%s.tar" % tag, valid() + [("%s/absolute" % canary, b"x")], fmt)
    image("I-1-through-symlink-%s.tar" % tag,
          valid() + [("rootfs/l", b"", tarfile.SYMTYPE, canary), ("rootfs/l/through", b"x")], fmt)
    image("I-1-hardlink-%s.tar" % tag, valid() + [("rootfs/h", b"", tarfile.LNKTYPE, "%s/secret" % canary)], fmt)
    image("I-2-metadata-symlink-%s.tar" % tag,
          [("metadata.yaml", b"", tarfile.SYMTYPE, "/etc/hostname"), ("rootfs", b"", tarfile.DIRTYPE)], fmt)
    image("I-2-rootfs-symlink-%s.tar" % tag, valid() + [("rootfs", b"", tarfile.SYMTYPE, canary)], fmt)

    # I-2: a valid image, then an appended entry replacing part of it by a link to the host.
    image("I-2-templates-symlink-%s.tar" % tag, valid() + [("templates", b"", tarfile.SYMTYPE, canary)], fmt)
    image("I-2-appended-metadata-symlink-%s.tar" % tag,
          valid() + [("metadata.yaml", b"", tarfile.SYMTYPE, "/etc/hostname")], fmt)
    image("I-2-appended-rootfs-symlink-%s.tar" % tag, valid() + [("rootfs", b"", tarfile.SYMTYPE, canary)], fmt)


# I-6: templates that try to read or write outside the rootfs when an instance is created.
def templated(name, templates, files):
    meta = METADATA + b"templates:\n" + templates
    image(name, [("metadata.yaml", meta), ("rootfs", b"", tarfile.DIRTYPE), ("rootfs/etc", b"", tarfile.DIRTYPE),
                 ("templates", b"", tarfile.DIRTYPE)] + files)


templated("I-6-template-source-dotdot.tar",
          b"  /etc/x:\n    when: [create]\n    template: ../../../../etc/shadow\n", [])
templated("I-6-template-target-dotdot.tar",
          ("  /../../../../%s/written:\n    when: [create]\n    template: t.tpl\n" % canary.lstrip("/")).encode(),
          [("templates/t.tpl", b"written\n")])
image("I-6-template-dir-symlink.tar",
      [("metadata.yaml", METADATA + b"templates:\n  /etc/x:\n    when: [create]\n    template: secret\n"),
       ("rootfs", b"", tarfile.DIRTYPE), ("rootfs/etc", b"", tarfile.DIRTYPE), ("templates", b"", tarfile.SYMTYPE, canary)])
templated("I-6-template-include.tar", b"  /etc/x:\n    when: [create]\n    template: t.tpl\n",
          [("templates/t.tpl", ('{%% include "%s/secret" %%}\n' % canary).encode())])

# I-7: not archives at all, or cut short.
open(os.path.join(out, "I-7-empty.tar"), "wb").close()
with open(os.path.join(out, "I-7-wrong-magic.tar"), "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + os.urandom(4096))
with open(os.path.join(out, "I-1-dotdot-gnu.tar"), "rb") as f:
    whole = f.read()
with open(os.path.join(out, "I-7-truncated.tar"), "wb") as f:
    f.write(whole[:700])
# A gzip bomb: 1 GiB of zeroes in about 1 MiB.
with gzip.open(os.path.join(out, "I-7-gzip-bomb.tar"), "wb", compresslevel=9) as f:
    zeroes = bytes(1 << 20)
    for _ in range(1024):
        f.write(zeroes)


def backup(name, index, extra=()):
    with tarfile.open(os.path.join(out, name), "w:gz") as tar:
        add(tar, "backup", b"", tarfile.DIRTYPE)
        add(tar, "backup/index.yaml", index.encode())
        add(tar, "backup/container", b"", tarfile.DIRTYPE)
        add(tar, "backup/container/rootfs", b"", tarfile.DIRTYPE)
        for entry in extra:
            add(tar, *entry)


CONTAINER = "config:\n  container:\n    name: c\n    architecture: x86_64\n    config: {}\n    devices: {}\n"
backup("I-4-name-dotdot.tar.gz", "name: ../../../../%s/poc\nbackend: dir\npool: default\n" % canary.lstrip("/") + CONTAINER)
backup("I-4-pool-dotdot.tar.gz", "name: okname\nbackend: dir\npool: ../x\n" + CONTAINER)
backup("I-4-snapshot-dotdot.tar.gz", "name: okname2\nbackend: dir\npool: default\nsnapshots: [../s]\n" + CONTAINER)
backup("I-5-no-config.tar.gz", "name: noconf\nbackend: dir\npool: default\n")
backup("I-5-null-snapshots.tar.gz", "name: nulls\nbackend: dir\npool: default\nsnapshots: [null]\n" + CONTAINER)
backup("I-5-wrong-types.tar.gz", "name: [1, 2]\nbackend: {a: b}\npool: default\nconfig: 5\n")
backup("I-5-null-volumes.tar.gz", "name: nullv\nbackend: dir\npool: default\nvolumes: [null]\n" + CONTAINER)
backup("I-5-null-expiry.tar.gz", "name: nulle\nbackend: dir\npool: default\n" + CONTAINER + "    expires_at: null\n")
backup("I-5-null-container.tar.gz", "name: nullc\nbackend: dir\npool: default\nconfig:\n  container: null\n")
