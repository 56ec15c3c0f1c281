#!/usr/bin/env python3
"""Runs a command as on a kernel older than 5.12, which has no mount_setattr(2): a seccomp filter,
inherited by everything the command starts, answers that call with ENOSYS.

Usage: without_mount_setattr.py COMMAND [ARG...]   (x86_64)"""
import ctypes
import os
import struct
import sys

NR_MOUNT_SETATTR = 442
AUDIT_ARCH_X86_64 = 0xC000003E
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL = 0x7FFF0000, 0x00050000, 0
BPF_LD_W_ABS, BPF_JEQ_K, BPF_RET_K = 0x20, 0x15, 0x06
ENOSYS = 38


def insn(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


program = b"".join([
    insn(BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
    insn(BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
    insn(BPF_RET_K, 0, 0, SECCOMP_RET_KILL),
    insn(BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    insn(BPF_JEQ_K, 0, 1, NR_MOUNT_SETATTR),
    insn(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS),
    insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
])
filters = ctypes.create_string_buffer(program)
fprog = struct.pack("HxxxxxxP", len(program) // 8, ctypes.addressof(filters))
fprog_buf = ctypes.create_string_buffer(fprog)
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
        libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog_buf), 0, 0) != 0:
    sys.exit("cannot install the seccomp filter: " + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[1], sys.argv[1:])
