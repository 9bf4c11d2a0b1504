#!/usr/bin/python3
"""Turns the raw files of one bench/run.sh run into the table, the ratios and
results.json. Only the standard library: run it with /usr/bin/python3.

Usage: report.py RAW_DIR OUT_JSON

RAW_DIR layout (written by bench/run.sh):
  meta.json                    run parameters, setups in table order, notes
  handshake.json               bench/handshake --json output (optional)
  SETUP/REP/tcp1.json          iperf3 --json, one TCP stream
  SETUP/REP/tcp4.json          iperf3 --json, -P 4
  SETUP/REP/udp.json           iperf3 --json, -u -l 64 -b 0
  SETUP/REP/ping.txt           ping output, one "time=X ms" line per reply
  SETUP/REP/cpu.txt            "ticks=T clk_tck=H" tunnel CPU during tcp1
A missing or unreadable file makes that metric n/a for that repetition; the
median is taken over the repetitions that produced a value.
"""
import json
import math
import os
import re
import statistics
import sys

# (key, header, unit, format) in table order.
COLUMNS = [
    ("tcp1_gbps", "TCP 1x", "Gbit/s", "{:.2f}"),
    ("tcp4_gbps", "TCP 4x", "Gbit/s", "{:.2f}"),
    ("tcp1_retrans", "retrans", "1x", "{:.0f}"),
    ("udp64_kpps", "UDP 64B", "kpkt/s rx", "{:.1f}"),
    ("udp64_loss_pct", "UDP loss", "%", "{:.1f}"),
    ("rtt_avg_ms", "RTT avg", "ms", "{:.3f}"),
    ("rtt_med_ms", "RTT med", "ms", "{:.3f}"),
    ("rtt_p99_ms", "RTT p99", "ms", "{:.3f}"),
    ("cpu_s_per_gb", "CPU", "s/GB", "{:.2f}"),
]


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def iperf_end(path):
    """The 'end' section of an iperf3 --json result, None on error."""
    d = load_json(path)
    if not isinstance(d, dict) or d.get("error") or "end" not in d:
        return None
    return d["end"]


def tcp_metrics(path, prefix):
    end = iperf_end(path)
    try:
        rx = end["sum_received"]
        out = {prefix + "_gbps": rx["bits_per_second"] / 1e9,
               prefix + "_bytes": rx["bytes"],
               prefix + "_retrans": end["sum_sent"].get("retransmits")}
    except (TypeError, KeyError):
        return {}
    return {k: v for k, v in out.items() if v is not None}


def udp_metrics(path):
    end = iperf_end(path)
    try:
        rx = end["sum_received"]
        got = rx["packets"] - rx["lost_packets"]
        return {"udp64_kpps": got / rx["seconds"] / 1e3,
                "udp64_loss_pct": rx["lost_percent"],
                "udp64_sent_kpps": end["sum_sent"]["packets"] / end["sum_sent"]["seconds"] / 1e3}
    except (TypeError, KeyError, ZeroDivisionError):
        return {}


def percentile(sorted_vals, p):
    """Nearest-rank percentile."""
    rank = max(1, math.ceil(p / 100.0 * len(sorted_vals)))
    return sorted_vals[rank - 1]


def ping_metrics(path, sent):
    try:
        with open(path) as f:
            times = [float(m) for m in re.findall(r"time=([0-9.]+) ms", f.read())]
    except OSError:
        return {}
    if not times:
        return {"rtt_loss_pct": 100.0}
    times.sort()
    return {"rtt_avg_ms": statistics.fmean(times),
            "rtt_med_ms": statistics.median(times),
            "rtt_p99_ms": percentile(times, 99),
            "rtt_loss_pct": 100.0 * max(0, sent - len(times)) / sent}


def cpu_metrics(path, moved_bytes):
    try:
        with open(path) as f:
            kv = dict(x.split("=", 1) for x in f.read().split())
        ticks, hz = int(kv["ticks"]), int(kv["clk_tck"])
    except (OSError, ValueError, KeyError):
        return {}
    if not moved_bytes:
        return {}
    return {"cpu_s": ticks / hz, "cpu_s_per_gb": (ticks / hz) / (moved_bytes / 1e9)}


def rep_metrics(rep_dir, ping_count):
    m = {}
    m.update(tcp_metrics(os.path.join(rep_dir, "tcp1.json"), "tcp1"))
    m.update(tcp_metrics(os.path.join(rep_dir, "tcp4.json"), "tcp4"))
    m.update(udp_metrics(os.path.join(rep_dir, "udp.json")))
    m.update(ping_metrics(os.path.join(rep_dir, "ping.txt"), ping_count))
    m.update(cpu_metrics(os.path.join(rep_dir, "cpu.txt"), m.get("tcp1_bytes")))
    return m


def summarize(raw, meta):
    setups = []
    for s in meta["setups"]:
        entry = {"name": s["name"], "label": s["label"], "status": s["status"],
                 "ping_only": bool(s.get("ping_only")), "reps": [], "median": {}}
        sdir = os.path.join(raw, s["name"])
        if s["status"] == "ok" and os.path.isdir(sdir):
            for rep in sorted(os.listdir(sdir), key=lambda x: int(x) if x.isdigit() else 0):
                entry["reps"].append(rep_metrics(os.path.join(sdir, rep), meta["ping_count"]))
        keys = sorted({k for r in entry["reps"] for k in r})
        for k in keys:
            vals = [r[k] for r in entry["reps"] if k in r]
            med = statistics.median(vals)
            entry["median"][k] = med
            entry.setdefault("samples", {})[k] = len(vals)
            if len(vals) > 1 and med:
                entry.setdefault("spread", {})[k] = (max(vals) - min(vals)) / med
        setups.append(entry)
    return setups


def fmt(setup, key, fmtstr):
    if setup["status"] != "ok":
        return None
    if setup["ping_only"] and not key.startswith("rtt_"):
        return "-"
    v = setup["median"].get(key)
    return "n/a" if v is None else fmtstr.format(v)


def print_table(setups):
    headers = ["setup"] + [c[1] for c in COLUMNS]
    units = [""] + [c[2] for c in COLUMNS]
    rows = []
    for s in setups:
        cells = [fmt(s, c[0], c[3]) for c in COLUMNS]
        if cells[0] is None:
            rows.append((s["label"], s["status"]))
        else:
            rows.append([s["label"]] + cells)
    widths = [max(len(headers[i]), len(units[i]),
                  *(len(r[i]) for r in rows if isinstance(r, list))) for i in range(len(headers))]

    def line(cells):
        first = cells[0].ljust(widths[0])
        return "  ".join([first] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])])

    print(line(headers))
    print(line(units))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        if isinstance(r, list):
            print(line(r))
        else:
            print(r[0].ljust(widths[0]) + "  " + r[1])


SPREAD_KEYS = [("tcp1_gbps", "TCP 1x"), ("tcp4_gbps", "TCP 4x"), ("udp64_kpps", "UDP"),
               ("rtt_avg_ms", "RTT avg"), ("cpu_s_per_gb", "CPU/GB")]


def print_spread(setups):
    """How far apart the repetitions were: a wide spread means a noisy machine,
    and ratios closer than it are not a difference."""
    lines = []
    for s in setups:
        sp = s.get("spread", {})
        parts = ["{} {:.0f}%".format(label, 100 * sp[k]) for k, label in SPREAD_KEYS if k in sp]
        if parts:
            lines.append("  {}: {}".format(s["label"], ", ".join(parts)))
    if lines:
        print()
        print("spread across repetitions ((max - min) / median):")
        print("\n".join(lines))


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


RTT_KEYS = (("rtt_avg_ms", "avg"), ("rtt_med_ms", "median"), ("rtt_p99_ms", "p99"))


def added_rtt(m, m_floor, b, b_floor):
    """The round trip m adds over m_floor against what b adds over b_floor
    (medians), with their ratio when b adds anything."""
    out = {}
    for k, _ in RTT_KEYS:
        if all(k in x for x in (m, m_floor, b, b_floor)):
            added, added_b = m[k] - m_floor[k], b[k] - b_floor[k]
            out[k + "_added"] = added
            out[k + "_added_base"] = added_b
            if added_b > 0:
                out[k + "_added_ratio"] = added / added_b
    return out


def compare(subject, base, veth):
    """Ratios of one tenet setup to a baseline (wireguard-go or the veth)."""
    m, b = subject["median"], base["median"]
    out = {}
    for k in ("tcp1_gbps", "tcp4_gbps", "udp64_kpps", "cpu_s_per_gb"):
        r = ratio(m.get(k), b.get(k))
        if r is not None:
            out[k] = r
    if base is not veth:
        out.update(added_rtt(m, veth["median"], b, veth["median"]))
    return out


def added_ratio_text(r, k):
    if k + "_added_ratio" in r:
        return "{:.2f}x".format(r[k + "_added_ratio"])
    return "ratio n/a: baseline adds nothing"


def print_ratios(name, base_label, r):
    def x(k):
        return "n/a" if k not in r else "{:.2f}x".format(r[k])

    parts = ["TCP 1x " + x("tcp1_gbps"), "TCP 4x " + x("tcp4_gbps"),
             "UDP pps " + x("udp64_kpps")]
    if "cpu_s_per_gb" in r:
        parts.append("CPU/GB " + x("cpu_s_per_gb"))
    print("  {} vs {}: {}".format(name, base_label, ", ".join(parts)))
    for k, what in RTT_KEYS:
        if k + "_added" in r:
            print("    added RTT {}: {:+.3f} ms vs {:+.3f} ms for {} ({})".format(
                what, r[k + "_added"], r[k + "_added_base"], base_label,
                added_ratio_text(r, k)))


# A tenet setup whose path crosses more of the kernel than the bare veth
# (bridges, container veths), and the ping-only setup that is that path
# without the tunnel.
OWN_PATH = {"fabric": "bridged"}


def own_path(subject, path, wggo, veth):
    """What the tunnel adds over the subject's own kernel path, against what
    wireguard-go adds over the bare veth."""
    p = path["median"]
    out = added_rtt(subject["median"], p, wggo["median"], veth["median"])
    for k, _ in RTT_KEYS:
        if k + "_added" in out:
            out[k + "_path"] = p[k]
    return out


def ok(setup):
    return setup is not None and setup["status"] == "ok"


def ratios(setups):
    by = {s["name"]: s for s in setups}
    veth, wggo = by.get("veth"), by.get("wggo")
    out = {}
    for s in setups:
        if s["name"] in ("veth", "wggo") or s["ping_only"] or s["status"] != "ok":
            continue
        out[s["name"]] = {}
        for base in (wggo, veth):
            if not ok(base) or veth is None:
                continue
            out[s["name"]]["vs_" + base["name"]] = compare(s, base, veth)
        path = by.get(OWN_PATH.get(s["name"], ""))
        if ok(path) and ok(wggo) and ok(veth):
            out[s["name"]]["own_path"] = own_path(s, path, wggo, veth)
    return out


def print_own_path(r):
    for k, what in RTT_KEYS:
        if k + "_added" not in r:
            continue
        print("    added RTT {}: {:+.3f} ms over {:.3f} ms vs {:+.3f} ms for wireguard-go over"
              " the bare veth ({})".format(what, r[k + "_added"], r[k + "_path"],
                                           r[k + "_added_base"], added_ratio_text(r, k)))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py RAW_DIR OUT_JSON")
    raw, out_path = sys.argv[1], sys.argv[2]
    meta = load_json(os.path.join(raw, "meta.json"))
    if meta is None:
        sys.exit("report.py: no meta.json in " + raw)
    setups = summarize(raw, meta)
    rat = ratios(setups)
    labels = {s["name"]: s["label"] for s in setups}
    print()
    print("medians of {} repetition(s), {} s per iperf3 TCP test, {} s UDP, {} pings at {} s"
          .format(meta["reps"], meta["seconds"], meta["udp_seconds"], meta["ping_count"],
                  meta["ping_interval"]))
    print("load average {} at start, {} at end, {} CPUs (other work on the machine moves"
          " absolute numbers; the ratios are steadier)".format(
              meta.get("loadavg_start"), meta.get("loadavg_end"), meta.get("cpus")))
    print_table(setups)
    print_spread(setups)
    print()
    print("ratios (throughput: tenet / baseline; CPU/GB: below 1 is better; added RTT:"
          " round trip above the bare veth, tenet vs wireguard-go):")
    for name, per_base in rat.items():
        for base, r in per_base.items():
            if base.startswith("vs_"):
                print_ratios(labels[name], labels[base[3:]], r)
        if per_base.get("own_path"):
            path = OWN_PATH[name]
            print("  {} over its own kernel path ('{}'; for reference: the bare veth is the"
                  " baseline above):".format(labels[name], labels[path]))
            print_own_path(per_base["own_path"])
    hs = load_json(os.path.join(raw, "handshake.json"))
    result = {"meta": meta, "setups": setups, "ratios": rat, "handshake": hs}
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
