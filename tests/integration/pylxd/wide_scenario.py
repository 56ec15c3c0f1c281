"""A wide pylxd 2.2 (Debian's python3-pylxd) scenario: each step prints one line, "ok STEP
VALUE" or "err STEP MESSAGE", with what varies between runs (fingerprints, dates, ids) left
out, so that its output against this daemon can be compared with upstream LXD 5.0.2's.
Usage: wide_scenario.py IMAGE_TARBALL BRIDGE_NAME"""
import hashlib
import os
import sys
import time

os.environ["PYLXD_WARNINGS"] = "none"
from pylxd import Client  # noqa: E402
from pylxd.exceptions import LXDAPIException  # noqa: E402

c = Client()
tarball, bridge = sys.argv[1], sys.argv[2]
data = open(tarball, "rb").read()
fingerprint = hashlib.sha256(data).hexdigest()


def step(name, fn):
    try:
        value = fn()
        shown = type(value).__name__ if type(value).__module__.startswith(("pylxd", "requests")) else value
        print("ok ", name, "" if value is None else shown, flush=True)
        return value
    except LXDAPIException as e:
        print("err", name, e.response.status_code, str(e), flush=True)
    except Exception as e:  # noqa: BLE001 - any failure is one line of the comparison
        print("err", name, type(e).__name__, str(e), flush=True)


def wait_exists(name, project=None, present=True):
    """Polls for the instance to be there (or gone), as an operation may still be running."""
    for _ in range(100):
        try:
            c.api.instances[name].get(params={"project": project} if project else {})
            there = True
        except LXDAPIException:
            there = False
        if there == present:
            return present
        time.sleep(0.1)
    return not present


def finished(response):
    """The end of the operation a 202 reply names: its status and error."""
    op = response.json()["operation"].rsplit("/", 1)[1]
    meta = c.api.operations[op].wait.get(params={"timeout": 60}).json()["metadata"]
    return meta["status"], meta["err"]


def wait_status(ct, status):
    for _ in range(50):
        if c.containers.get(ct).status == status:
            return status
        time.sleep(0.1)
    return c.containers.get(ct).status


# Server
step("host_info", lambda: (c.host_info["api_version"], c.host_info["auth"], c.trusted))
step("has_extensions", lambda: [e for e in ("instances", "projects", "storage", "network", "container_full",
                                                  "storage_api_volume_rename", "resources")
                                if c.has_api_extension(e)])

# Images
img = step("images.create", lambda: c.images.create(data, public=False, wait=True))
step("image fingerprint", lambda: img.fingerprint == fingerprint)
step("image fields", lambda: (img.architecture, img.public, img.auto_update, img.cached, sorted(img.properties)))
step("image add_alias", lambda: img.add_alias("wsb", "scenario"))
step("images.exists alias", lambda: c.images.exists("wsb", alias=True))
step("images.get_by_alias", lambda: c.images.get_by_alias("wsb").fingerprint == fingerprint)
step("images.all", lambda: [i.fingerprint == fingerprint for i in c.images.all()])
step("image export", lambda: hashlib.sha256(img.export().read()).hexdigest() == fingerprint)
step("image edit public", lambda: (setattr(img, "public", True), img.save(wait=True),
                                   c.images.get(fingerprint).public)[2])
step("images.create duplicate", lambda: c.images.create(data, wait=True) and "created")
step("image delete_alias", lambda: img.delete_alias("wsb"))
step("image add_alias again", lambda: img.add_alias("wsb", ""))
step("images.get missing", lambda: c.images.get("f" * 64))

# Profiles
step("profiles.create", lambda: c.profiles.create("wsp", config={"limits.memory": "1GB"},
                                                  devices={}).name)
step("profile save", lambda: (setattr(c.profiles.get("wsp"), "description", "x"),
                              c.profiles.get("wsp").config))
pr = c.profiles.get("wsp") if c.profiles.exists("wsp") else None
step("profile edit", lambda: (pr.config.update({"limits.memory": "2GB"}), pr.save(),
                              c.profiles.get("wsp").config["limits.memory"])[2])
step("profile rename", lambda: (pr.rename("wsp2"), c.profiles.exists("wsp2"), c.profiles.exists("wsp"))[1:])
step("profiles.all", lambda: sorted(p.name for p in c.profiles.all()))
step("profiles.create duplicate", lambda: c.profiles.create("default").name)
step("profiles.get missing", lambda: c.profiles.get("nope"))

# Storage pools and volumes
step("storage_pools.all", lambda: sorted(p.name for p in c.storage_pools.all()))
pool = step("storage_pools.get", lambda: c.storage_pools.get("default"))
step("pool fields", lambda: (pool.driver, pool.status, sorted(pool.config)))
step("pool resources", lambda: sorted(pool.resources.get().space))
step("storage_pools.create", lambda: c.storage_pools.create({"name": "wsdir", "driver": "dir"}).name)
step("storage_pools.exists", lambda: c.storage_pools.exists("wsdir"))
step("pool description", lambda: (c.storage_pools.get("wsdir").patch({"description": "d"}),
                                  c.storage_pools.get("wsdir").description)[1])
vol = step("volumes.create", lambda: pool.volumes.create({"name": "wsv", "type": "custom", "config": {}}))
step("volumes.all", lambda: sorted((v.type, v.name) for v in pool.volumes.all() if v.type == "custom"))
step("volumes.get", lambda: (lambda v: (v.name, v.type, v.content_type if hasattr(v, "content_type") else "-"))(
    pool.volumes.get("custom", "wsv")))
step("volume patch", lambda: (vol.patch({"config": {"user.k": "v"}}),
                              pool.volumes.get("custom", "wsv").config.get("user.k"))[1])
step("volume rename", lambda: (vol.rename({"name": "wsv2"}, wait=True),
                               [v.name for v in pool.volumes.all() if v.type == "custom"])[1])
step("volume delete", lambda: [pool.volumes.get("custom", v.name).delete() for v in pool.volumes.all()
                                if v.type == "custom" and v.name.startswith("wsv")])
step("volumes.get missing", lambda: pool.volumes.get("custom", "nope"))
step("storage_pools.delete", lambda: c.storage_pools.get("wsdir").delete())

# Networks
step("networks.create", lambda: c.networks.create(bridge, description="ws", type="bridge",
                                                  config={"ipv4.address": "198.18.99.1/24", "ipv4.nat": "false",
                                                          "ipv6.address": "none"}) and "created")
step("networks.get", lambda: (lambda n: (n.name, n.type, n.managed, n.description, n.config.get("ipv4.address")))(
    c.networks.get(bridge)))
step("networks.all has it", lambda: bridge in [n.name for n in c.networks.all()])
step("network save", lambda: (lambda n: (setattr(n, "description", "ws2"), n.save(),
                                         c.networks.get(bridge).description)[2])(c.networks.get(bridge)))
step("networks.exists", lambda: c.networks.exists(bridge))
step("networks.get missing", lambda: c.networks.get("nope0"))

# Containers
ct = step("containers.create", lambda: c.containers.create(
    {"name": "ws1", "source": {"type": "image", "alias": "wsb"}, "profiles": ["default"],
     "config": {"user.a": "1"}}, wait=True))
step("container fields", lambda: (ct.status, ct.ephemeral, ct.profiles, ct.config.get("user.a"),
                                  ct.config.get("image.os"), sorted(ct.expanded_devices)))
step("containers.exists", lambda: c.containers.exists("ws1"))
step("containers.all", lambda: [x.name for x in c.containers.all()])
step("container start", lambda: (ct.start(wait=True), wait_status("ws1", "Running"))[1])
step("container state", lambda: (lambda s: (s.status, s.status_code, sorted(s.network or {}) != [],
                                            s.pid > 0, "usage" in s.memory))(ct.state()))
step("container execute", lambda: tuple(ct.execute(["sh", "-c", "echo out; echo err >&2; exit 3"])))
step("container execute env", lambda: ct.execute(["sh", "-c", "echo $FOO"], environment={"FOO": "bar"}).stdout)
step("files.put", lambda: ct.files.put("/tmp/wsf", b"hello", mode="0640"))
step("files.get", lambda: ct.files.get("/tmp/wsf"))
step("files.delete", lambda: (ct.files.delete("/tmp/wsf"), ct.execute(["test", "-e", "/tmp/wsf"]).exit_code)[1])
step("files.get missing", lambda: ct.files.get("/tmp/nope"))
step("container freeze", lambda: (ct.freeze(wait=True), wait_status("ws1", "Frozen"))[1])
step("container freeze again", lambda: ct.freeze(wait=True))
step("container unfreeze", lambda: (ct.unfreeze(wait=True), wait_status("ws1", "Running"))[1])
step("container start again", lambda: ct.start(wait=True))
step("snapshots.create", lambda: ct.snapshots.create("s1", wait=True) and "created")
step("snapshots.all", lambda: [s.name for s in ct.snapshots.all()])
step("snapshot get", lambda: (lambda s: (s.name, s.stateful))(ct.snapshots.get("s1")))
step("snapshot rename", lambda: (ct.snapshots.get("s1").rename("s2", wait=True),
                                 [s.name for s in ct.snapshots.all()])[1])
step("container stop", lambda: (ct.stop(wait=True), wait_status("ws1", "Stopped"))[1])
step("container stop again", lambda: ct.stop(wait=True))
step("snapshot restore", lambda: ct.restore_snapshot("s2", wait=True))
step("container save config", lambda: (ct.config.update({"user.b": "2"}), ct.save(wait=True),
                                       c.containers.get("ws1").config.get("user.b"))[2])
step("container save description", lambda: (setattr(ct, "description", "desc"), ct.save(wait=True),
                                            c.containers.get("ws1").description)[2])
step("container profile add", lambda: (setattr(ct, "profiles", ["default", "wsp2"]), ct.save(wait=True),
                                       c.containers.get("ws1").profiles)[2])
step("container rename", lambda: (ct.rename("ws2", wait=True), c.containers.exists("ws2"),
                                  c.containers.exists("ws1"))[1:])
ct = c.containers.get("ws2") if c.containers.exists("ws2") else ct
step("snapshot publish", lambda: (lambda i: (i.properties.get("os"), i.delete(wait=True)) and "published")(
    ct.snapshots.get("s2").publish(wait=True)))
step("snapshot delete", lambda: (ct.snapshots.get("s2").delete(wait=True), [s.name for s in ct.snapshots.all()])[1])
step("container copy via api", lambda: finished(c.api.containers.post(json={
    "name": "ws3", "source": {"type": "copy", "source": "ws2"}})))
step("copy exists", lambda: wait_exists("ws3"))
step("container publish", lambda: (lambda i: (i.properties.get("os"), i.delete(wait=True)) and "published")(
    ct.publish(wait=True)))
step("containers.get missing", lambda: c.containers.get("nope"))
step("containers.create bad source", lambda: c.containers.create(
    {"name": "ws9", "source": {"type": "image", "alias": "nope"}}, wait=True))
step("containers.create bad name", lambda: c.containers.create(
    {"name": "bad_name", "source": {"type": "image", "alias": "wsb"}}, wait=True))
step("container delete", lambda: (ct.delete(wait=True), c.containers.exists("ws2"))[1])
step("copy delete", lambda: c.containers.get("ws3").delete(wait=True))

# Instances and projects through the raw API (pylxd 2.2 has no managers for them)
step("api instances", lambda: c.api.instances.get().json()["metadata"])
step("api projects", lambda: sorted(x.rsplit("/", 1)[1] for x in c.api.projects.get().json()["metadata"]))
step("api project create", lambda: c.api.projects.post(json={"name": "wsproj", "config": {
    "features.images": "false", "features.profiles": "false"}}).status_code)
step("api project get", lambda: (lambda m: (m["name"], m["config"], m["used_by"]))(
    c.api.projects["wsproj"].get().json()["metadata"]))
step("api project instance", lambda: finished(c.api.instances.post(params={"project": "wsproj"}, json={
    "name": "wp1", "source": {"type": "image", "alias": "wsb"}})))
step("api project instance made", lambda: wait_exists("wp1", "wsproj"))
step("api project instances", lambda: c.api.instances.get(params={"project": "wsproj"}).json()["metadata"])
step("api all-projects", lambda: sorted(x["name"] for x in c.api.instances.get(
    params={"all-projects": "true", "recursion": "1"}).json()["metadata"]))
step("api project delete non-empty", lambda: c.api.projects["wsproj"].delete().status_code)
step("api project instance delete", lambda: finished(c.api.instances["wp1"].delete(params={"project": "wsproj"})))
step("api project instance gone", lambda: not wait_exists("wp1", "wsproj", present=False))
step("api project delete", lambda: c.api.projects["wsproj"].delete().status_code)

# Operations, certificates, cluster
step("operations list", lambda: sorted(c.api.operations.get().json()["metadata"]))
step("operations get missing", lambda: c.operations.get("00000000-0000-0000-0000-000000000000"))
step("certificates.all", lambda: len(c.certificates.all()))
step("cluster.get", lambda: (lambda cl: (cl.enabled, cl.server_name))(c.cluster.get()))
step("cluster members", lambda: c.cluster.members.all())

# Cleanup
step("profile delete", lambda: c.profiles.get("wsp2").delete())
step("network delete", lambda: c.networks.get(bridge).delete())
step("image delete", lambda: c.images.get(fingerprint).delete(wait=True))
step("images after", lambda: [i.fingerprint for i in c.images.all()])
