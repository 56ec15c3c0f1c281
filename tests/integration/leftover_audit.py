#!/usr/bin/env python3
"""Leftover audit run by lib.sh when an integration test ends (a port of LXD's kill_lxd checks).

    leftover_audit.py live    LXD_DIR STATE   # daemon running: consistency, then a full teardown
    leftover_audit.py stopped LXD_DIR STATE   # daemon stopped: nothing of it left on the host

`live` checks that no operation is still running, that database rows and volumes match both
ways, and that nothing is half-made; then it deletes every instance, image and managed network
through the API (exercising the delete paths, as kill_lxd does) and checks that they left
nothing in the database or the data dir. It records in STATE the host-side names (veths,
bridges, nft tables, xtables tags) the `stopped` phase must not find any more. `stopped` looks for mounts,
loop devices, processes, links, nft tables, xtables rules and temp files that still refer to this data dir,
and crash markers in the daemon's log. Every leftover is printed as `leftover: ...` and then
removed, so one test's leak does not fail the next; the exit status is 1 when any was found.
"""
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time

LEFTOVERS = []


def leftover(what):
    LEFTOVERS.append(what)
    print("leftover: " + what)


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("lxd", timeout=120)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(120)
        self.sock.connect(self.path)


class Api:
    def __init__(self, lxd_dir):
        self.socket = os.path.join(lxd_dir, "unix.socket")

    def call(self, method, path, body=None):
        conn = UnixConnection(self.socket)
        try:
            data = json.dumps(body) if body is not None else None
            headers = {"Content-Type": "application/json"} if data else {}
            conn.request(method, path, body=data, headers=headers)
            reply = conn.getresponse()
            text = reply.read()
            try:
                return reply.status, json.loads(text)
            except ValueError:
                return reply.status, {}
        finally:
            conn.close()

    def get(self, path):
        status, reply = self.call("GET", path)
        return reply.get("metadata") if status == 200 else None

    def run(self, method, path, body=None):
        """Calls and waits for the operation; returns the error text or None."""
        status, reply = self.call(method, path, body)
        if status >= 400:
            return reply.get("error") or "HTTP %d" % status
        if reply.get("type") == "async":
            op = reply.get("operation", "")
            status, waited = self.call("GET", op + "/wait?timeout=60")
            meta = waited.get("metadata") or {}
            if meta.get("status") != "Success":
                return meta.get("err") or "operation %s did not succeed" % op
        return None


def volume_dir_name(project, name):
    return name if project == "default" else project + "_" + name


def pool_paths(db, lxd_dir):
    paths = {}
    for name, config in db.execute("SELECT name, config FROM storage_pools"):
        source = json.loads(config or "{}").get("source", "")
        # Pools on a block device or loop file are mounted at the default place; dir pools may live elsewhere.
        paths[name] = source if source.startswith("/") and os.path.isdir(source) and not source.endswith(".img") \
            else os.path.join(lxd_dir, "storage-pools", name)
    return paths


def listdir(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def check_database(lxd_dir):
    """Rows without volumes, volumes without rows, both in the database and on the pools."""
    db_path = os.path.join(lxd_dir, "database", "local.db")
    if not os.path.exists(db_path):
        return
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=30)
    try:
        ok = db.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            leftover("database integrity_check: " + ok)
        orphan_queries = {
            "instance without its volume":
                "SELECT i.project, i.name FROM instances i LEFT JOIN storage_volumes v ON v.project = i.project"
                " AND v.name = i.name AND v.type = 0 WHERE v.name IS NULL",
            "instance volume without its instance":
                "SELECT v.project, v.name FROM storage_volumes v LEFT JOIN instances i ON v.project = i.project"
                " AND v.name = i.name WHERE v.type = 0 AND i.name IS NULL",
            # The daemon records an instance snapshot in instance_snapshots only: its volume is
            # the snapshot volume of the instance's volume, on that volume's pool.
            "volume snapshot row of an instance volume":
                "SELECT v.project, v.volume || '/' || v.name FROM storage_volume_snapshots v WHERE v.type = 0",
            "snapshot of a missing instance":
                "SELECT s.project, s.instance || '/' || s.name FROM instance_snapshots s LEFT JOIN instances i"
                " ON i.project = s.project AND i.name = s.instance WHERE i.name IS NULL",
            "backup of a missing instance":
                "SELECT b.project, b.instance || '/' || b.name FROM instance_backups b LEFT JOIN instances i"
                " ON i.project = b.project AND i.name = b.instance WHERE i.name IS NULL",
            # An image volume (kept by drivers such as btrfs) is a cache of an image that exists.
            "image volume without its image":
                "SELECT v.project, v.pool || '/' || v.name FROM storage_volumes v LEFT JOIN images i"
                " ON i.fingerprint = v.name WHERE v.type = 1 AND i.fingerprint IS NULL",
            "volume on a missing pool":
                "SELECT v.project, v.pool || '/' || v.name FROM storage_volumes v LEFT JOIN storage_pools p"
                " ON p.name = v.pool WHERE p.name IS NULL",
        }
        for what, query in orphan_queries.items():
            for project, name in db.execute(query):
                leftover("%s: %s/%s" % (what, project, name))

        paths = pool_paths(db, lxd_dir)
        volumes = {}
        for pool, project, vtype, name in db.execute("SELECT pool, project, type, name FROM storage_volumes"):
            volumes.setdefault((pool, vtype), set()).add(volume_dir_name(project, name) if vtype == 0 else name)
        snapshots = {}
        for pool, project, volume, name in db.execute(
                "SELECT v.pool, s.project, s.instance, s.name FROM instance_snapshots s JOIN storage_volumes v"
                " ON v.project = s.project AND v.name = s.instance AND v.type = 0"):
            snapshots.setdefault(pool, set()).add(volume_dir_name(project, volume) + "/" + name)
        for pool, root in paths.items():
            if not os.path.isdir(root):
                leftover("pool %s: its directory %s is missing" % (pool, root))
                continue
            rows = volumes.get((pool, 0), set())
            # Instance volumes, and image volumes (drivers such as btrfs keep one per image).
            for vtype, subdir, what in ((0, "containers", "volume"), (1, "images", "image volume")):
                type_rows = volumes.get((pool, vtype), set())
                dirs = set(listdir(os.path.join(root, subdir)))
                for name in sorted(dirs - type_rows):
                    leftover("pool %s: %s dir %s/%s without a row" % (pool, what, subdir, name))
                for name in sorted(type_rows - dirs):
                    leftover("pool %s: %s row %s without its dir" % (pool, what, name))
            snap_dirs = set()
            for inst in listdir(os.path.join(root, "containers-snapshots")):
                entries = listdir(os.path.join(root, "containers-snapshots", inst))
                snap_dirs.update(inst + "/" + s for s in entries)
                if not entries and inst not in rows:
                    leftover("pool %s: empty snapshot dir containers-snapshots/%s" % (pool, inst))
            for name in sorted(snap_dirs - snapshots.get(pool, set())):
                leftover("pool %s: snapshot dir %s without a row" % (pool, name))
            for name in sorted(snapshots.get(pool, set()) - snap_dirs):
                leftover("pool %s: snapshot row %s without its dir" % (pool, name))

        images = {fp for (fp,) in db.execute("SELECT DISTINCT fingerprint FROM images")}
        for name in listdir(os.path.join(lxd_dir, "images")):
            base = name[:-len(".rootfs")] if name.endswith(".rootfs") else name
            if base not in images:
                leftover("file images/%s without an image row" % name)
        for fp in sorted(images):
            if not os.path.exists(os.path.join(lxd_dir, "images", fp)):
                leftover("image row %s without its file" % fp)
    finally:
        db.close()


def check_operations(api):
    """Every operation has ended a few seconds after the test's last request."""
    deadline = time.time() + 15
    while True:
        ops = api.get("/1.0/operations?recursion=1&all-projects=true") or {}
        running = [op for group in ops.values() for op in (group or [])
                   if isinstance(op, dict) and op.get("status") in ("Running", "Pending")]
        if not running or time.time() > deadline:
            break
        time.sleep(0.5)
    for op in running:
        leftover("operation still %s: %s (%s)" % (op.get("status"), op.get("id"), op.get("description")))


def teardown(api, lxd_dir, state):
    """Deletes what the test left through the API, as kill_lxd does, and records host-side names."""
    projects = [p["name"] for p in (api.get("/1.0/projects?recursion=1") or [])] or ["default"]
    for project in projects:
        for inst in api.get("/1.0/instances?recursion=1&project=" + project) or []:
            for key, value in (inst.get("config") or {}).items():
                if key.startswith("volatile.") and key.endswith(".host_name") and value:
                    state["links"].append(value)
                    state["nft"].append("bridge lxdpp_" + value)  # the NIC's security.*_filtering
                    state.setdefault("ebtables", []).append("lxdpp_" + value)  # its xtables twin
            for dev_name, dev in (inst.get("expanded_devices") or {}).items():
                if dev.get("type") == "proxy" and dev.get("nat") in ("true", "1", "yes", "on"):
                    family = "ip6" if "[" in dev.get("listen", "") else "ip"
                    state["nft"].append("%s lxdpp_proxy_%s_%s.%s" % (family, project, inst["name"], dev_name))
                    state.setdefault("xtables", []).append(
                        "generated for LXD container %s_%s (%s)" % (project, inst["name"], dev_name))
            url = "/1.0/instances/%s?project=%s" % (inst["name"], project)
            if inst.get("status") != "Stopped":
                api.run("PUT", "/1.0/instances/%s/state?project=%s" % (inst["name"], project),
                        {"action": "stop", "force": True, "timeout": 30})
            err = api.run("DELETE", url)
            if err:
                leftover("instance %s/%s cannot be deleted: %s" % (project, inst["name"], err))
        for image in api.get("/1.0/images?recursion=1&project=" + project) or []:
            err = api.run("DELETE", "/1.0/images/%s?project=%s" % (image["fingerprint"], project))
            if err:
                leftover("image %s cannot be deleted: %s" % (image["fingerprint"], err))
        for net in api.get("/1.0/networks?recursion=1&project=" + project) or []:
            if not net.get("managed"):
                continue
            state["links"].append(net["name"])
            # Its tunnels (tunnel.NAME.*) are the interfaces <network>-<NAME>.
            for key in net.get("config") or {}:
                parts = key.split(".")
                link = "%s-%s" % (net["name"], parts[1]) if len(parts) == 3 and parts[0] == "tunnel" else None
                if link and link not in state["links"]:
                    state["links"].append(link)
            state["nft"].append("inet lxdpp_" + net["name"])
            state.setdefault("xtables", []).append("generated for LXD network " + net["name"])
            # A profile's NIC on the network keeps it in use: drop such devices first.
            for profile in api.get("/1.0/profiles?recursion=1&project=" + project) or []:
                devices = {k: v for k, v in (profile.get("devices") or {}).items()
                           if not (v.get("type") == "nic" and net["name"] in (v.get("network"), v.get("parent")))}
                if devices != (profile.get("devices") or {}):
                    api.run("PUT", "/1.0/profiles/%s?project=%s" % (profile["name"], project),
                            {"config": profile.get("config") or {}, "description": profile.get("description", ""),
                             "devices": devices})
            err = api.run("DELETE", "/1.0/networks/%s?project=%s" % (net["name"], project))
            if err:
                leftover("network %s cannot be deleted: %s" % (net["name"], err))
    check_database(lxd_dir)
    for sub in ("containers", "snapshots", "backups/instances", "images", "networks"):
        for name in listdir(os.path.join(lxd_dir, sub)):
            leftover("%s/%s after every instance, image and network was deleted" % (sub, name))
    for name in listdir(os.path.join(lxd_dir, "logs")):
        leftover("logs/%s after its instance was deleted" % name)


def mounts_under(root):
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if point == root or point.startswith(root + "/"):
                found.append(point)
    return found


def processes_referring_to(root):
    me = {os.getpid(), os.getppid()}
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        if int(pid) in me:
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            cwd = os.readlink("/proc/%s/cwd" % pid)
        except OSError:
            continue
        # The test script and its helpers name the work dir only through the environment.
        if root in cmdline or cwd == root or cwd.startswith(root + "/"):
            found.append((int(pid), cmdline or "?"))
    return found


def run_text(argv, stdin=None):
    """A command's stdout, "" when the tool is missing or fails."""
    try:
        return subprocess.run(argv, input=stdin, capture_output=True, text=True).stdout
    except OSError:
        return ""


def check_xtables(state):
    """Rules of the xtables firewall: iptables/ip6tables rules carrying a comment of ours, and the
    ebtables chain of a NIC's security.*_filtering with the jumps to it."""
    for save, restore in (("iptables-save", "iptables-restore"), ("ip6tables-save", "ip6tables-restore")):
        saved = run_text([save])
        for comment in state.get("xtables", []):
            tag = '--comment "%s"' % comment
            table, deletions = None, []
            for line in saved.splitlines():
                if line.startswith("*"):
                    table = line
                elif line.startswith("-A ") and (line.endswith(tag) or tag + " " in line):
                    leftover("%s rule %s" % (save.split("-")[0], line))
                    deletions.append("%s\n-D %s\nCOMMIT\n" % (table, line[3:]))
            for deletion in deletions:
                run_text([restore, "-w", "--noflush"], deletion)
    chains = set(state.get("ebtables", []))
    if chains:
        saved = run_text(["ebtables-save"])
        for line in saved.splitlines():
            parts = line.split()
            if line.startswith("-A ") and parts[-1] in chains and parts[1] in ("INPUT", "FORWARD"):
                leftover("ebtables jump " + line)
                subprocess.run(["ebtables", "-D"] + parts[1:], stderr=subprocess.DEVNULL)
        for chain in chains:
            if (":%s " % chain) in saved:
                leftover("ebtables chain " + chain)
                subprocess.run(["ebtables", "-F", chain], stderr=subprocess.DEVNULL)
                subprocess.run(["ebtables", "-X", chain], stderr=subprocess.DEVNULL)


def stopped(lxd_dir, state):
    work = os.path.dirname(lxd_dir)
    for pid, cmdline in processes_referring_to(work):
        leftover("process %d still refers to the data dir: %s" % (pid, cmdline[:200]))
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if LEFTOVERS:
        time.sleep(0.2)  # killed helpers let go of their mounts
    for point in reversed(mounts_under(work)):
        leftover("mount " + point)
        subprocess.run(["umount", "-l", point], stderr=subprocess.DEVNULL)
    loops = subprocess.run(["losetup", "-n", "-O", "NAME,BACK-FILE", "-l"], capture_output=True, text=True).stdout
    for line in loops.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[1].startswith(work + "/"):
            leftover("loop device %s backed by %s" % (parts[0], parts[1]))
            subprocess.run(["losetup", "-d", parts[0]], stderr=subprocess.DEVNULL)
    for link in state.get("links", []):
        if subprocess.run(["ip", "link", "show", "dev", link], capture_output=True).returncode == 0:
            leftover("network link " + link)
            subprocess.run(["ip", "link", "del", "dev", link], stderr=subprocess.DEVNULL)
    if state.get("nft"):
        tables = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout.splitlines()
        for table in state["nft"]:  # "<family> <name>"
            if "table " + table in tables:
                leftover("nft table " + table)
                subprocess.run(["nft", "delete", "table"] + table.split(), stderr=subprocess.DEVNULL)
    check_xtables(state)
    for dirpath, dirnames, filenames in os.walk(lxd_dir):
        # Container root filesystems hold whatever the image has; temp files of ours are elsewhere.
        dirnames[:] = [d for d in dirnames if d != "rootfs" and not (dirpath.endswith("containers-snapshots"))]
        for name in filenames:
            if name.endswith(".tmp") or name.startswith("upload-") or name.startswith(".tmp"):
                leftover("temp file " + os.path.join(dirpath, name))
    for log in ("daemon.log", "daemon.out"):
        try:
            with open(os.path.join(work, log), errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        for marker in ("AddressSanitizer", "runtime error:", "terminate called", "SIGSEGV", "Segmentation fault"):
            if marker in text:
                leftover("%s in %s" % (marker, log))


def main():
    phase, lxd_dir, state_path = sys.argv[1], os.path.realpath(sys.argv[2]), sys.argv[3]
    state = {"links": [], "nft": []}
    if os.path.exists(state_path):
        with open(state_path) as f:
            state = json.load(f)
    if phase == "live":
        api = Api(lxd_dir)
        check_operations(api)
        check_database(lxd_dir)
        teardown(api, lxd_dir, state)
        with open(state_path, "w") as f:
            json.dump(state, f)
    else:
        check_database(lxd_dir)
        stopped(lxd_dir, state)
    return 1 if LEFTOVERS else 0


if __name__ == "__main__":
    sys.exit(main())
