"""Drives the daemon with pylxd 2.2 (Debian's python3-pylxd), the way its users do: images,
/1.0/containers, exec with polling, files, snapshots, rename, profiles, pools. Exits non-zero
on the first failure."""
import hashlib
import os
import sys
os.environ["PYLXD_WARNINGS"] = "none"
from pylxd import Client
c = Client()
assert c.host_info["api_version"] == "1.0"
data = open(sys.argv[1], "rb").read()
img = c.images.create(data, public=False, wait=True)
assert img.fingerprint == hashlib.sha256(data).hexdigest()
img.add_alias("pyb", "")
ct = c.containers.create({"name": "py1", "source": {"type": "image", "alias": "pyb"}, "profiles": ["default"], "config": {"limits.cpu": "1"}}, wait=True)
assert ct.status == "Stopped"
ct.start(wait=True)
assert c.containers.get("py1").status == "Running"
r = ct.execute(["sh", "-c", "echo out; echo err >&2; exit 4"])
assert (r.exit_code, r.stdout, r.stderr) == (4, "out\n", "err\n"), r
ct.files.put("/tmp/an_file", b"hello")
assert ct.files.get("/tmp/an_file") == b"hello"
ct.snapshots.create("snap1", wait=True)
assert [s.name for s in ct.snapshots.all()] == ["snap1"]
ct.stop(wait=True, force=True)
ct.rename("py2", wait=True)
ct = c.containers.get("py2")
assert ct.name == "py2"
p = c.profiles.create("pyprof", config={"limits.memory": "1GB"})
p.config["limits.memory"] = "2GB"
p.save()
p.rename("pyprof2")
assert "pyprof2" in [x.name for x in c.profiles.all()]
c.profiles.get("pyprof2").delete()
ct.delete(wait=True)
img.delete(wait=True)
assert "default" in [x.name for x in c.storage_pools.all()]
print("pylxd flow: ok")
