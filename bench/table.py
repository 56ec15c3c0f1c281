#!/usr/bin/env python3
"""Prints bench/run.sh's results as Markdown tables: medians per daemon, the ratio ours/upstream,
the target of issue 7 and whether it is met, then the scale table.

    table.py RESULTS RUNS ROUNDS "LEVELS" SCALE_MAX

RESULTS holds lines "DAEMON KEY VALUE"; a key recorded several times (runs, rounds) gives its median.
"""
import statistics
import sys

path, runs, rounds, levels, scale_max = sys.argv[1:]
levels = levels.split()
values = {}
for line in open(path):
    daemon, key, value = line.split()
    values.setdefault((daemon, key), []).append(float(value))


def med(daemon, key):
    v = values.get((daemon, key))
    return statistics.median(v) if v else None


def fmt(v):
    if v is None:
        return "-"
    return f"{v:.0f}" if abs(v) >= 100 or v == int(v) else f"{v:.1f}"


# figure, key, target ratio (ours/upstream at most), how it is taken
rows = [("cold start (ms)", "cold_start_ms", 0.2, f"median of {runs}, fresh data dir"),
        ("idle RSS (MiB)", "idle_rss_mib", 0.2, f"median of {runs}, daemon only"),
        ("helper RSS per running container (MiB)", "helper_rss_mib", 0.2, "liblxc monitor"),
        ("helper PSS per running container (MiB)", "helper_pss_mib", None, "shared pages split")]
for n in levels:
    if n != "0":
        rows.append((f"RSS with {n} instances (MiB)", f"rss_{n}_mib", None, "daemon only"))
for n in levels:
    rows += [(f"GET /1.0 p50 at {n} (µs)", f"get_{n}_p50_us", 0.1 if n == "0" else None, ""),
             (f"GET /1.0 p99 at {n} (µs)", f"get_{n}_p99_us", None, "")]
for n in levels:
    target = 0.1 if n in ("100", "1000") else None
    for rec in ("1", "2"):
        rows += [(f"GET instances?recursion={rec} p50 at {n} (µs)", f"list{rec}_{n}_p50_us", target, ""),
                 (f"GET instances?recursion={rec} p99 at {n} (µs)", f"list{rec}_{n}_p99_us", None, "")]
for n in levels:
    rows.append((f"GET /1.0/instances, 4 clients, at {n} (req/s)", f"rps4_{n}", "higher", "3 s"))
rows += [("lxc launch, dir (ms)", "launch_dir_ms", None, f"median of {runs}"),
         ("lxc launch, btrfs (ms)", "launch_btrfs_ms", 0.3, f"median of {runs}"),
         ("lxc exec c -- true (ms)", "exec_ms", 0.4, f"median of {runs}"),
         ("exec -- true, the daemon's part (ms)", "exec_daemon_ms", None, "lxdp-loadgen --exec"),
         ("lxc stop --force (ms)", "stop_force_ms", 0.25, f"median of {runs}"),
         ("lxc delete (ms)", "delete_ms", None, f"median of {runs}")]

out = [f"| figure (latency: median of {rounds} rounds of p50/p99) | ours | upstream | ours/upstream | target | met |",
       "| --- | ---: | ---: | ---: | ---: | :---: |"]
for label, key, target, _ in rows:
    o, u = med("ours", key), med("upstream", key)
    ratio = o / u if o is not None and u else None
    met = ""
    if ratio is not None and target == "higher":
        met = "yes" if ratio >= 1 else "no"
    elif ratio is not None and target is not None:
        met = "yes" if ratio <= target else "**no**"
    shown = "≥ 1" if target == "higher" else (f"≤ {target}" if target else "")
    out.append(f"| {label} | {fmt(o)} | {fmt(u)} | {'-' if ratio is None else f'{ratio:.2f}'} | {shown} | {met} |")

out += ["", "liblxc's own tools on the same rootfs with our generated config (the floor, no daemon):", "",
        "| tool | ms | ours | ours/floor |", "| --- | ---: | ---: | ---: |"]
for label, key, ours_key in (("lxc-start -d", "lxc_start_ms", "launch_dir_ms"),
                             ("lxc-attach -- true", "lxc_attach_ms", "exec_ms"),
                             ("lxc-stop -k", "lxc_stop_ms", "stop_force_ms")):
    f, o = med("liblxc", key), med("ours", ours_key)
    ratio = f"{o / f:.2f}" if f and o is not None else "-"
    if key == "lxc_attach_ms" and f and o is not None:
        ratio += " (target ≤ 1.5: " + ("met)" if o / f <= 1.5 else "**missed**)")
    out.append(f"| {label} | {fmt(f)} | {ours_key} {fmt(o)} | {ratio} |")

client = med("client", "version_ms")
if client is not None:
    out += ["", f"The `lxc` client's own start (`lxc --version`, no request) took {fmt(client)} ms, "
            "a part of every lifecycle figure of both daemons."]

out += ["", "Scale: `GET /1.0/instances?recursion=1` p50 and daemon RSS by defined (stopped) instances:", "",
        "| instances (ours / upstream) | ours p50 (ms) | upstream p50 (ms) | ours RSS (MiB) | upstream RSS (MiB) |",
        "| --- | ---: | ---: | ---: | ---: |"]
scale = [(n, f"list1_{n}_p50_us", f"rss_{n}_mib", f"count_{n}") for n in levels]
if scale_max != "0":
    scale.append(("scale", "list1_scale_p50_us", "rss_scale_mib", "count_scale"))
for n, lat, rss, count in scale:
    co, cu = med("ours", count), med("upstream", count)
    lo, lu = med("ours", lat), med("upstream", lat)
    rss0 = "idle_rss_mib" if n == "0" else rss
    out.append(f"| {fmt(co)} / {fmt(cu)} | {fmt(lo / 1000 if lo else None)} | {fmt(lu / 1000 if lu else None)} "
               f"| {fmt(med('ours', rss0))} | {fmt(med('upstream', rss0))} |")
defines = sorted({k for (_, k) in values if k.startswith("define_to_")}, key=lambda k: int(k.split("_")[2]))
if defines:
    out += ["", "Defining the instances (copies of one on the btrfs pool, 4 requests in flight), seconds: " +
            "; ".join(f"to {k.split('_')[2]}: ours {fmt(med('ours', k))}, upstream {fmt(med('upstream', k))}"
                      for k in defines)]
print("\n".join(out))
