#!/usr/bin/env python3
"""Turns the measurements bench/run.sh collected into bench/RESULTS.md.

usage: report.py RESULTS.tsv COMMANDS.txt [--nginx-conf F] [--gateway-conf F] [--tmp DIR]

RESULTS.tsv has one measurement per line, tab-separated, first field the kind:
  info  KEY VALUE
  rss   LABEL KB                  (VmRSS, summed over the processes of LABEL)
  peak  LABEL PHASE KB            (highest VmRSS sampled every 100 ms in PHASE)
  wrk   TEST TARGET CONNS JSON    (JSON printed by bench/wrk_report.lua; one line
                                   per round, the report shows the median)
  big   DIR TARGET SECONDS BYTES  (one curl transfer, DIR down or up)
  connect STORE MODE JSON         (JSON printed by warren-bench-connect: one
                                   connect loop, MODE anonymous or keyed; one
                                   line per round, the report shows the median)
  audit STORE CONNECTS DROPPED FAILED   (the store gateway's counters afterwards)
  skip  WHAT REASON               (a part deliberately not measured)
  fail  KIND A B C REASON         (a measurement that did not complete)
Standard library only. Goals are reported, never asserted: the exit status is
0 whatever the figures.
"""

import argparse
import os
import json
import statistics
import sys

TARGETS = ("direct", "nginx", "tunnel")
STORES = (("sqlite", "SQLite"), ("postgres", "PostgreSQL"))
CONNECT_MODES = ("anonymous", "keyed")
MB = 1_000_000  # throughput and memory in MB are 10^6 bytes
KIB = 1024


def load(path):
    data = {"info": {}, "rss": {}, "peak": {}, "wrk": {}, "big": {}, "fail": [], "exit": [], "connect": {},
            "audit": {}, "skip": {}}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            kind = parts[0]
            if kind == "info":
                data["info"][parts[1]] = parts[2]
            elif kind == "rss":
                data["rss"][parts[1]] = int(parts[2])
            elif kind == "peak":
                key = (parts[1], parts[2])  # a phase may span several runs: keep the highest
                data["peak"][key] = max(int(parts[3]), data["peak"].get(key, 0))
            elif kind == "wrk":
                data["wrk"].setdefault((parts[1], parts[2], int(parts[3])), []).append(json.loads(parts[4]))
            elif kind == "big":
                data["big"][(parts[1], parts[2])] = (float(parts[3]), int(parts[4]))
            elif kind == "connect":
                data["connect"].setdefault((parts[1], parts[2]), []).append(json.loads(parts[3]))
            elif kind == "audit":
                data["audit"][parts[1]] = tuple(parts[2:5])
            elif kind == "skip":
                data["skip"][parts[1]] = parts[2]
            elif kind == "exit":
                data["exit"].append((parts[1], parts[2]))
            elif kind == "fail":
                data["fail"].append(parts[1:])
    return data


def human_bytes(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n:,} bytes"


def fmt_int(v):
    return "—" if v is None else f"{v:,.0f}"


def fmt_f(v, digits=1):
    return "—" if v is None else f"{v:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}×"


def fmt_delta(v, unit="µs"):
    return "—" if v is None else f"{v:+,.0f} {unit}"


def status(ok):
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**not met**"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    return "\n".join(out)


class Report:
    def __init__(self, data):
        self.d = data
        self.info = data["info"]
        self.conns = [int(c) for c in self.info.get("connections", "1 10 50").split()]
        self.mib_conns = int(self.info.get("mib_connections", "10"))
        self.big_bytes = int(self.info.get("big_bytes", str(1 << 30)))
        self.failed = {}
        for f in data["fail"]:
            self.failed[tuple(f[:4])] = f[4] if len(f) > 4 else "failed"

    # ---- raw figures
    def runs(self, test, target, conns):
        return [w for w in self.d["wrk"].get((test, target, conns), []) if w["duration_us"] > 0]

    def median(self, test, target, conns, figure):
        runs = self.runs(test, target, conns)
        return statistics.median(figure(w) for w in runs) if runs else None

    def rps(self, test, target, conns):
        return self.median(test, target, conns, lambda w: w["requests"] / (w["duration_us"] / 1e6))

    def mbps(self, target):
        return self.median("mib", target, self.mib_conns, lambda w: w["bytes"] / (w["duration_us"] / 1e6) / MB)

    def lat(self, target, conns, pct):
        return self.median("small", target, conns, lambda w: w["latency_us"][pct])

    def spread(self, test, target, conns):
        """(min, max) of requests/s over the rounds, to judge the noise."""
        v = [w["requests"] / (w["duration_us"] / 1e6) for w in self.runs(test, target, conns)]
        return (min(v), max(v)) if len(v) > 1 else None

    def errors(self, test, target, conns):
        return sum(sum(w["errors"].values()) for w in self.d["wrk"].get((test, target, conns), []))

    def big_seconds(self, direction, target):
        b = self.d["big"].get((direction, target))
        return None if not b else b[0]

    def big_mbps(self, direction, target):
        b = self.d["big"].get((direction, target))
        return None if not b or b[0] == 0 else b[1] / b[0] / MB

    def rss(self, label):
        return self.d["rss"].get(label)

    def peak(self, label, phase):
        return self.d["peak"].get((label, phase))

    def cell(self, value, text, test=None, target=None, conns=None):
        """A figure, or why it is missing, with a mark when wrk saw errors."""
        if value is None:
            if test and (("wrk", test, target, str(conns)) in self.failed):
                return "failed"
            return "—"
        if test and self.errors(test, target, conns):
            return f"{text} (⚠ {self.errors(test, target, conns)} errors)"
        return text

    # ---- keyed tunnels: connects per store, keyed vs anonymous requests
    def connect_runs(self, store, mode):
        return [c for c in self.d["connect"].get((store, mode), []) if c.get("connects", 0) > 0]

    def connect_median(self, store, mode, key):
        runs = self.connect_runs(store, mode)
        return statistics.median(c[key] for c in runs) if runs else None

    def connect_spread(self, store, mode):
        v = [c["per_second"] for c in self.connect_runs(store, mode)]
        return (min(v), max(v)) if len(v) > 1 else None

    def connect_failures(self, store, mode):
        runs = self.d["connect"].get((store, mode), [])
        failures = sum(c.get("failures", 0) for c in runs)
        reasons = {}
        for c in runs:
            for why, n in c.get("errors", {}).items():
                reasons[why] = reasons.get(why, 0) + n
        return failures, sum(c.get("close_errors", 0) for c in runs), reasons

    def store_missing(self, store):
        """Why a store has no connect figures, or None when it has some."""
        if any(self.connect_runs(store, m) for m in CONNECT_MODES):
            return None
        if store in self.d["skip"]:
            return "not measured: " + self.d["skip"][store]
        if "store" in self.d["skip"]:
            return "not measured: " + self.d["skip"]["store"]
        for f in self.d["fail"]:
            if f[0] == "store" and f[1] == store:
                return "failed: " + (f[4] if len(f) > 4 else "")
        return "not measured"

    def connect_table(self):
        rows = []
        for store, label in STORES:
            missing = self.store_missing(store)
            if missing:
                rows.append([label, "—", missing.replace("|", "/"), "", "", "", "", ""])
                continue
            rate = {m: self.connect_median(store, m, "per_second") for m in CONNECT_MODES}
            for mode in CONNECT_MODES:
                failures, close_errors, _ = self.connect_failures(store, mode)
                n = sum(c.get("connects", 0) for c in self.d["connect"].get((store, mode), []))
                mark = f"{failures:,}" + (f" (+{close_errors:,} unclean closes)" if close_errors else "")
                rows.append([label, mode, fmt_int(rate[mode]),
                             fmt_int(self.connect_median(store, mode, "p50_us")),
                             fmt_int(self.connect_median(store, mode, "p99_us")),
                             f"{n:,}", mark,
                             fmt_ratio(ratio(rate["keyed"], rate["anonymous"])) if mode == "keyed" else ""])
        return table(("Store", "Connect", "connects/s", "p50 (µs)", "p99 (µs)", "connects made", "failures",
                      "keyed/anonymous"), rows)

    def connect_spread_table(self):
        rows = []
        for store, label in STORES:
            if self.store_missing(store):
                continue
            cells = []
            for mode in CONNECT_MODES:
                sp = self.connect_spread(store, mode)
                cells.append("—" if sp is None else f"{sp[0]:,.0f} – {sp[1]:,.0f}")
            rows.append([label] + cells)
        return table(("Store", "anonymous connects/s", "keyed connects/s"), rows) if rows else ""

    STORE_TARGETS = ("anonymous", "keyed", "control")

    def store_verdict(self):
        """Keyed vs anonymous req/s: the same within noise, or not. The noise
        is what separates two anonymous tunnels (the control) and the rounds
        of one tunnel."""
        c = int(self.info.get("store_connections", "50"))
        a, k, ctl = (self.rps("store", t, c) for t in self.STORE_TARGETS)
        if a is None or k is None:
            return None
        diff = (k - a) / a
        parts = [f"keyed − anonymous = {diff * 100:+.1f}%"]
        noise = []
        if ctl is not None:
            control = (ctl - a) / a
            noise.append(abs(control))
            parts.append(f"control − anonymous = {control * 100:+.1f}% (two anonymous tunnels, alike by construction)")
        spreads = [sp for sp in (self.spread("store", t, c) for t in self.STORE_TARGETS) if sp]
        if spreads:
            worst = max((hi - lo) / statistics.mean((hi, lo)) for lo, hi in spreads)
            noise.append(worst)
            parts.append(f"the rounds of one tunnel differ by up to {worst * 100:.1f}%")
        if not noise:
            return "; ".join(parts) + " (one round and no control, so no measure of the noise)"
        same = abs(diff) <= max(max(noise), 0.05)
        return "; ".join(parts) + ": " + ("**the same within noise**" if same else "**a difference beyond the noise**")

    def store_rps_table(self):
        c = int(self.info.get("store_connections", "50"))
        ts = self.STORE_TARGETS
        v = {t: self.rps("store", t, c) for t in ts}
        p50 = {t: self.median("store", t, c, lambda w: w["latency_us"]["p50"]) for t in ts}
        p99 = {t: self.median("store", t, c, lambda w: w["latency_us"]["p99"]) for t in ts}
        rows = [["requests/s"] + [self.cell(v[t], fmt_int(v[t]), "store", t, c) for t in ts]
                + [fmt_ratio(ratio(v["keyed"], v["anonymous"])), fmt_ratio(ratio(v["control"], v["anonymous"]))]]
        for name, d in (("latency p50 (µs)", p50), ("latency p99 (µs)", p99)):
            rows.append([name] + [fmt_int(d[t]) for t in ts]
                        + [fmt_ratio(ratio(d["keyed"], d["anonymous"])), fmt_ratio(ratio(d["control"], d["anonymous"]))])
        sp = {t: self.spread("store", t, c) for t in ts}
        if any(sp.values()):
            rows.append(["requests/s, lowest – highest round"]
                        + ["—" if sp[t] is None else f"{sp[t][0]:,.0f} – {sp[t][1]:,.0f}" for t in ts] + ["", ""])
        return table(("", "anonymous tunnel", "keyed tunnel", "control (a 2nd anonymous tunnel)", "keyed/anonymous",
                      "control/anonymous"), rows)

    # ---- goals
    def goals(self):
        rows = []
        c_hi = 50 if 50 in self.conns else max(self.conns)
        c_lo = 1 if 1 in self.conns else min(self.conns)
        r = ratio(self.rps("small", "tunnel", c_hi), self.rps("small", "direct", c_hi))
        rows.append((f"Small bodies, {c_hi} connections: tunnel ≥ 30% of direct req/s",
                     "—" if r is None else f"{r * 100:.1f}% of direct", status(None if r is None else r >= 0.30)))
        for pct, limit, label in (("p50", 100, "+100 µs"), ("p99", 1000, "+1 ms")):
            t, dr = self.lat("tunnel", c_lo, pct), self.lat("direct", c_lo, pct)
            delta = None if t is None or dr is None else t - dr
            rows.append((f"Added latency, {c_lo} connection, {pct}: ≤ {label} over direct",
                         fmt_delta(delta), status(None if delta is None else delta <= limit)))
        for direction, word in (("down", "download"), ("up", "upload")):
            v = self.big_mbps(direction, "tunnel")
            direct = self.big_mbps(direction, "direct")
            measured = "—" if v is None else f"{v:,.0f} MB/s ({self.big_seconds(direction, 'tunnel'):.2f} s)"
            verdict = status(None if v is None else v >= 800)
            if v is not None and direct is not None and direct < 800 and v < 800:
                # The tunnel cannot be faster than the path without it: when
                # direct access is already below the goal, the set-up is what
                # bounds the figure (e.g. the origin hashing every upload byte).
                measured += f"; direct access only reaches {direct:,.0f} MB/s here"
                verdict = "**not measurable here**"
            rows.append((f"{human_bytes(self.big_bytes)} {word} through the tunnel ≥ 800 MB/s", measured, verdict))
        g = self.rss("gateway_idle")
        rows.append(("Gateway idle (no tunnel) < 10 MB RSS",
                     "—" if g is None else f"{g * KIB / MB:.1f} MB", status(None if g is None else g * KIB < 10 * MB)))
        per = self.per_idle_tunnel_kib()
        rows.append(("< 64 KiB gateway RSS per idle tunnel",
                     "—" if per is None else f"{per:.1f} KiB (slope over {self.info.get('idle_connected', '?')} tunnels)",
                     status(None if per is None else per < 64)))
        return table(("Goal", "Measured", "Status"), rows)

    def per_idle_tunnel_kib(self):
        """Slope of gateway RSS from one idle tunnel to all of them, KiB per tunnel."""
        one, full = self.rss("idle_gateway_one"), self.rss("idle_gateway_full")
        n = int(self.info.get("idle_connected", "0") or 0)
        if one is None or full is None or n <= 1:
            return None
        return (full - one) / (n - 1)

    def first_tunnel_kib(self):
        empty, one = self.rss("idle_gateway_empty"), self.rss("idle_gateway_one")
        return None if empty is None or one is None else one - empty

    # ---- tables
    def rps_table(self):
        rows = []
        for c in self.conns:
            v = {t: self.rps("small", t, c) for t in TARGETS}
            goal = "tunnel ≥ 0.30× direct" if c == 50 else ""
            rows.append([str(c)] + [self.cell(v[t], fmt_int(v[t]), "small", t, c) for t in TARGETS]
                        + [fmt_ratio(ratio(v["tunnel"], v["direct"])), fmt_ratio(ratio(v["tunnel"], v["nginx"])), goal])
        return table(("Connections", "direct", "nginx", "tunnel", "tunnel/direct", "tunnel/nginx", "goal"), rows)

    def spread_table(self):
        rows = []
        for c in self.conns:
            cells = []
            for t in TARGETS:
                sp = self.spread("small", t, c)
                cells.append("—" if sp is None else f"{sp[0]:,.0f} – {sp[1]:,.0f}")
            rows.append([str(c)] + cells)
        return table(("Connections", "direct", "nginx", "tunnel"), rows)

    def lat_table(self, pct):
        rows = []
        for c in self.conns:
            v = {t: self.lat(t, c, pct) for t in TARGETS}
            delta = None if v["tunnel"] is None or v["direct"] is None else v["tunnel"] - v["direct"]
            goal = ""
            if c == 1:
                goal = "tunnel − direct ≤ +100 µs" if pct == "p50" else "tunnel − direct ≤ +1 ms"
            rows.append([str(c)] + [self.cell(v[t], fmt_int(v[t]), "small", t, c) for t in TARGETS]
                        + [fmt_ratio(ratio(v["tunnel"], v["direct"])), fmt_ratio(ratio(v["tunnel"], v["nginx"])),
                           fmt_delta(delta), goal])
        return table(("Connections", "direct (µs)", "nginx (µs)", "tunnel (µs)", "tunnel/direct", "tunnel/nginx",
                      "tunnel − direct", "goal"), rows)

    def mib_table(self):
        v = {t: self.mbps(t) for t in TARGETS}
        r = {t: self.rps("mib", t, self.mib_conns) for t in TARGETS}
        rows = [
            ["MB/s"] + [self.cell(v[t], fmt_f(v[t]), "mib", t, self.mib_conns) for t in TARGETS]
            + [fmt_ratio(ratio(v["tunnel"], v["direct"])), fmt_ratio(ratio(v["tunnel"], v["nginx"])), ""],
            ["requests/s"] + [self.cell(r[t], fmt_f(r[t]), "mib", t, self.mib_conns) for t in TARGETS]
            + [fmt_ratio(ratio(r["tunnel"], r["direct"])), fmt_ratio(ratio(r["tunnel"], r["nginx"])), ""],
        ]
        return table(("", "direct", "nginx", "tunnel", "tunnel/direct", "tunnel/nginx", "goal"), rows)

    def big_table(self):
        rows = []
        for direction, word in (("down", "download"), ("up", "upload")):
            s = {t: self.big_seconds(direction, t) for t in TARGETS}
            m = {t: self.big_mbps(direction, t) for t in TARGETS}

            def c(t, v, text):
                if v is None and ("big", direction, t, "-") in self.failed:
                    return "failed: " + self.failed[("big", direction, t, "-")].replace("|", "/")
                return "—" if v is None else text

            rows.append([f"{word}, seconds"] + [c(t, s[t], fmt_f(s[t], 2)) for t in TARGETS]
                        + [fmt_ratio(ratio(s["tunnel"], s["direct"])), fmt_ratio(ratio(s["tunnel"], s["nginx"])),
                           f"≤ {self.big_bytes / (800 * MB):.2f} s"])
            rows.append([f"{word}, MB/s"] + [c(t, m[t], fmt_f(m[t], 0)) for t in TARGETS]
                        + [fmt_ratio(ratio(m["tunnel"], m["direct"])), fmt_ratio(ratio(m["tunnel"], m["nginx"])),
                           "≥ 800 MB/s"])
        return table(("", "direct", "nginx", "tunnel", "tunnel/direct", "tunnel/nginx", "goal"), rows)

    def mem_table(self):
        def mb(kb):
            return "—" if kb is None else f"{kb * KIB / MB:.1f}"

        def add(a, b):
            return None if a is None or b is None else a + b

        def row(name, nginx, gateway, client, goal=""):
            tunnel = add(gateway, client) if client is not None else gateway
            return [name, "—", mb(nginx), mb(tunnel), mb(gateway), mb(client), "—",
                    fmt_ratio(ratio(tunnel, nginx)), goal]

        c_hi = 50 if 50 in self.conns else max(self.conns)
        rows = [
            row("idle, no tunnel", self.rss("nginx_idle"), self.rss("gateway_idle"), None, "gateway < 10 MB"),
            row("idle, one tunnel connected", self.rss("nginx_idle"), self.rss("gateway_idle_tunnel"),
                self.rss("client_idle")),
        ]
        for phase, name in ((f"small-{c_hi}", f"peak, small bodies at {c_hi} connections"),
                            ("mib", f"peak, 1 MiB bodies at {self.mib_conns} connections"),
                            ("big", f"peak, {human_bytes(self.big_bytes)} download and upload")):
            rows.append(row(name, self.peak("nginx", phase), self.peak("gateway", phase), self.peak("client", phase)))
        rows.append(row("idle again after the load", self.rss("nginx_after"), self.rss("gateway_after"),
                        self.rss("client_after")))
        per = self.per_idle_tunnel_kib()
        n = int(self.info.get("idle_connected", "0") or 0)
        alive = int(self.info.get("idle_clients_alive", "0") or 0)
        clients = self.rss("idle_clients_total")
        per_client = None if not clients or alive <= 0 else clients / alive
        first = self.first_tunnel_kib()
        rows.append(["first idle tunnel (gateway, one-off), KiB", "—", "—",
                     "—" if first is None else f"{first:,.0f} KiB", "—" if first is None else f"{first:,.0f} KiB",
                     "—", "—", "—", ""])
        rows.append([f"each further idle tunnel (gateway, slope over {n} tunnels), KiB", "—", "—",
                     "—" if per is None else f"{per:.1f} KiB", "—" if per is None else f"{per:.1f} KiB",
                     "—", "—", "—", "< 64 KiB"])
        rows.append(["per idle client process", "—", "—", mb(per_client), "—", mb(per_client), "—", "—", ""])
        return table(("Measure (MB RSS)", "direct", "nginx", "tunnel (gateway + client)", "gateway", "client",
                      "tunnel/direct", "tunnel/nginx", "goal"), rows)


def render_keyed(w, rep, data, info):
    """The keyed-tunnel sections: connects per second per store, and
    requests through a keyed tunnel against an anonymous one."""
    w("## Keyed tunnels: connects per second, by store\n")
    if "store" in data["skip"]:
        w(f"Not measured: {data['skip']['store']}.\n")
        return
    n_rounds = int(info.get("connect_rounds", "1"))
    w(f"A connect is what a `warren` client does when it starts: TCP connect, WebSocket upgrade to "
      f"`/_warren/connect`, the JSON hello, and the gateway's JSON ready; then a clean WebSocket close. "
      f"`warren-bench-connect` (bench/connect_bench.cpp, one thread) runs {info.get('connectors', '?')} such "
      f"connect/disconnect loops at once against a gateway of its own, until {int(info.get('connects', '0')):,} "
      f"attempts or {info.get('connect_seconds', '?')} s, whichever comes first; "
      + ("one loop per figure" if n_rounds == 1 else f"{n_rounds} loops per figure, interleaved over stores and "
         "modes, the median shown")
      + ". connects/s counts full connect/disconnect cycles; p50/p99 is the connect alone, from the TCP "
      "connect to the parsed ready (what a client waits before its tunnel serves).\n")
    w("- **anonymous**: no key, a random name each time; the reference. The store still gets two audit rows "
      "(connect, disconnect), written asynchronously on the gateway's blocking pool.")
    w("- **keyed**: an API key of a keyed tunnel, one tunnel per connector (a second session of the same key "
      "would replace the first). Before the upgrade the gateway looks the key up in the store "
      "(a read by key prefix, then a constant-time hash compare) on its blocking pool, and waits for it; "
      "afterwards it writes the audit rows and the tunnel's \"last seen\" asynchronously.")
    w("- **SQLite**: the `store-sqlite` plugin on a file in the run's temp dir (WAL, `synchronous = NORMAL`). "
      "**PostgreSQL**: `store-postgres` (pool of 4 connections) on a throwaway PostgreSQL 15 cluster started by "
      "`scripts/test-postgres.sh` on loopback, durability off (`fsync = off`, `synchronous_commit = off`). "
      f"The database server runs on the same {info.get('nproc', '?')} cores as everything else, so it competes "
      "with the gateway and the load generator for CPU.")
    if int(info.get("warmup", "0") or 0) > 0:
        w("- Before the figures, each gateway gets a short unreported loop of each kind (at most 200 connects) so "
          "that first-use costs are not measured.")
    w("")
    w(rep.connect_table() + "\n")
    spread = rep.connect_spread_table() if n_rounds > 1 else ""
    if spread:
        w("Lowest and highest connects/s over the rounds:\n")
        w(spread + "\n")
    ratios = []
    for store, label in STORES:
        a = rep.connect_median(store, "anonymous", "per_second")
        k = rep.connect_median(store, "keyed", "per_second")
        if a and k:
            ratios.append(f"on {label} a keyed connect runs at {k / a:.2f}× the anonymous rate "
                          f"(p50 {fmt_delta(rep.connect_median(store, 'keyed', 'p50_us') - rep.connect_median(store, 'anonymous', 'p50_us'))})")
    kp = rep.connect_median("postgres", "keyed", "per_second")
    ks = rep.connect_median("sqlite", "keyed", "per_second")
    if kp and ks:
        ratios.append(f"keyed connects on PostgreSQL run at {kp / ks:.2f}× the SQLite rate")
    if ratios:
        w("In short: " + "; ".join(ratios) + ".\n")
    for store, label in STORES:
        failures_text = []
        for mode in CONNECT_MODES:
            _, _, reasons = rep.connect_failures(store, mode)
            for why, n in sorted(reasons.items(), key=lambda x: -x[1])[:3]:
                failures_text.append(f"{label} {mode}: {n:,}× `{why}`")
        if failures_text:
            w("Failed connects, most frequent reasons: " + "; ".join(failures_text) + ".\n")
    audit_lines = []
    for store, label in STORES:
        if store in data["audit"]:
            total, dropped, failed = data["audit"][store]
            audit_lines.append(f"{label}: {float(total):,.0f} sessions accepted in all (warm-up included), "
                               f"{float(dropped):,.0f} audit rows dropped, {float(failed):,.0f} failed to write")
    if audit_lines:
        w("The gateways' own counters afterwards (`warren_tunnel_connects_total`, `warren_audit_dropped_total`, "
          "`warren_audit_failed_total`): " + "; ".join(audit_lines) + ". Dropped rows would mean the store could not "
          "keep up with the audit log at this rate.\n")

    c = info.get("store_connections", "50")
    w("## Keyed tunnels: requests through a keyed tunnel and an anonymous one\n")
    if all(rep.rps("store", t, int(c)) is None for t in Report.STORE_TARGETS):
        why = rep.store_missing("sqlite") or "not measured"
        w(f"{why[0].upper() + why[1:]}.\n")
        return
    n_rounds = int(info.get("rounds", "1"))
    runs = "one run" if n_rounds == 1 else f"{n_rounds} runs"
    w(f"Same method as the small-body runs (`GET /bytes/64`, wrk at {c} connections, {runs} of "
      f"{info.get('duration', '?')} s per figure, interleaved, the order reversed every other round"
      + (", median shown" if n_rounds > 1 else "") + "), through three tunnels of the SQLite gateway, each with "
      "its own `warren` client: one connected with an API key, two anonymous. The store is consulted when a "
      "client connects, never per request (a keyed tunnel's name lives in the gateway's in-memory registry like "
      "an anonymous one's), so keyed and anonymous should not differ. The second anonymous tunnel is the "
      "control: it differs from the first in nothing but its process, so the gap between those two is the "
      "noise of this machine. Not comparable with the small-body table above, which ran with one client "
      "on a gateway of its own.\n")
    w(rep.store_rps_table() + "\n")
    verdict = rep.store_verdict()
    if verdict:
        w(verdict[0].upper() + verdict[1:] + ".\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("commands")
    ap.add_argument("--nginx-conf")
    ap.add_argument("--gateway-conf")
    ap.add_argument("--tmp", default="")
    args = ap.parse_args()

    data = load(args.results)
    rep = Report(data)
    info = rep.info
    tmp = args.tmp.rstrip("/")

    # Paths as seen from the checkout, so no machine's layout ends up in the repo.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/"

    def untmp(text):
        text = text.replace(tmp, "$BENCH_TMP") if tmp else text
        return text.replace(root, "")

    dur = info.get("duration", "?")
    n_rounds = int(info.get("rounds", "1"))
    rounds = "one run" if n_rounds == 1 else f"{n_rounds} runs"
    out = []
    w = out.append
    w("# Warren benchmark results\n")
    w(f"Written by `bench/run.sh` on {info.get('date', '?')} — do not edit by hand, run `make bench` again "
      "(see [README.md](README.md) for what each figure means). Goals are reported here, never asserted.\n")
    w("## Machine\n")
    w(f"- CPU: {info.get('cpu', '?')}, `nproc` = {info.get('nproc', '?')}; memory {info.get('memory', '?')}; "
      f"{info.get('kernel', '?')}")
    w(f"- Load average (1, 5, 15 min) at start: {info.get('load_start', '?')}; at end: {info.get('load_end', '?')}")
    w(f"- Tools: {info.get('wrk', 'wrk ?')}, {info.get('curl', 'curl ?')}"
      + (f", nginx {info['nginx']}" if "nginx" in info else ""))
    w(f"- Tree: `{info.get('commit', '?')}`, binaries from `{untmp(info.get('bin', '?'))}`")
    w(f"- Everything runs on this one machine over loopback (127.0.0.1): wrk/curl, the origin "
      f"({info.get('origin_threads', '?')} threads), nginx, the gateway and the client share its "
      f"{info.get('nproc', '?')} cores, so the figures include their competition for CPU.")
    try:
        busy = int(info.get("nproc", "0")) <= 4 or float(info.get("load_start", "0").split()[0]) > 1
    except ValueError:
        busy = False
    if busy:
        w("- With this few cores (or this load at the start), a burst of other work on the machine moves the "
          "figures by tens of percent from one run to the next: read the ratios between targets measured in "
          "the same run, and the lowest – highest tables, rather than the absolute values.")
    w(f"- Targets measured: {info.get('targets', '?')}"
      + (f"; keyed-tunnel figures on {info['postgres']} too" if "postgres" in info else ""))
    for what, why in data["skip"].items():
        w(f"- Not measured: {'PostgreSQL store' if what == 'postgres' else 'keyed-tunnel figures'} — {why}")
    w("")
    if data["fail"]:
        w("**Some measurements failed** (shown as `failed` below):\n")
        for f in data["fail"]:
            w(f"- {' '.join(x for x in f[:4] if x != '-')}: {f[4] if len(f) > 4 else ''}")
        w("")

    bad_exits = [(n, st) for n, st in data["exit"] if st != "exit status 0"]
    if bad_exits:
        w("**Servers that did not exit cleanly on SIGTERM** (not a measurement, but a bug to look at; "
          "the logs are in the kept temp dir):\n")
        for n, st in bad_exits:
            w(f"- {n}: {st}")
        w("")

    w("## Against the goals\n")
    w(rep.goals() + "\n")

    w(f"## Small bodies: requests per second\n")
    w(f"`GET /bytes/64` (64-byte body), keep-alive, with wrk at {', '.join(map(str, rep.conns))} connections; "
      f"{rounds} of {dur} s per figure, the targets interleaved"
      + (", the median shown.\n" if n_rounds > 1 else ".\n"))
    w(rep.rps_table() + "\n")
    if int(info.get("rounds", "1")) > 1:
        w("Lowest and highest requests/s over the rounds (a wide range means a noisy machine):\n")
        w(rep.spread_table() + "\n")
    w("## Small bodies: latency p50 (µs)\n")
    w("Same runs; wrk's latency histogram, in microseconds, median over the rounds.\n")
    w(rep.lat_table("p50") + "\n")
    w("## Small bodies: latency p99 (µs)\n")
    w(rep.lat_table("p99") + "\n")
    w("## 1 MiB bodies: throughput\n")
    w(f"`GET /bytes/1048576`, {rep.mib_conns} connections, {rounds} of {dur} s{', median' if n_rounds > 1 else ''}; "
      "MB/s = bytes received / s (1 MB = 10^6 bytes).\n")
    w(rep.mib_table() + "\n")
    w(f"## One {human_bytes(rep.big_bytes)} download and upload\n")
    w(f"One curl transfer of {rep.big_bytes:,} bytes each way: `GET /bytes/{rep.big_bytes}`, and "
      "`POST /upload` of a file (in the page cache) that the origin hashes and counts. "
      "Lower seconds is better, so for seconds a ratio above 1× means the tunnel is slower.\n")
    w(rep.big_table() + "\n")
    w("## Memory (resident set size)\n")
    n_idle = info.get("idle_tunnels", "?")
    w("VmRSS from `/proc/PID/status`, in MB (10^6 bytes). nginx is its master plus workers (summed, so "
      "shared pages count more than once). Peaks are sampled every 100 ms during the runs. There is no "
      "proxy in the direct path, hence no direct figure.\n")
    w(f"Per idle tunnel: on a separate gateway, (RSS with {n_idle} idle tunnels − RSS with one) ÷ "
      f"({n_idle} − 1), the tunnel count as /_health reports it; each tunnel is one `warren` client process "
      "with no traffic. The first tunnel's one-off cost (allocator arenas, buffers, code paged in) is shown "
      "apart. Each client process costs the \"per idle client process\" figure on the client's machine. "
      f"The goal says 1,000 tunnels; the method uses {n_idle} processes until the client can open many "
      "tunnels from one process.\n")
    w(rep.mem_table() + "\n")

    render_keyed(w, rep, data, info)

    w("## Method\n")
    w("- Direct: wrk and curl to the origin (`warren-test-origin`).")
    w("- nginx: one reverse-proxy hop, Debian's nginx, `worker_processes auto`, upstream keep-alive "
      "(`keepalive 64`, HTTP/1.1), access log off; bodies stream both ways (`proxy_request_buffering off`, "
      "`proxy_max_temp_file_size 0`), so it never spools to disk. Config below.")
    w("- Tunnel: wrk and curl to the gateway with `Host: <name>.localhost:PORT`; gateway → WebSocket → "
      "`warren` client → origin. Config below.")
    w(f"- Before the small-body runs, each target gets a {info.get('warmup', '?')} s warm-up at 10 connections, "
      "not reported; the targets are interleaved per connection count, so a change of machine load hits all three.")
    w(f"- wrk uses {info.get('wrk_threads', '?')} threads (fewer when there are fewer connections) and a "
      "Lua `done()` hook (`bench/wrk_report.lua`) for exact figures. wrk counts errors (connect, read, write, "
      "timeout, HTTP status ≥ 400); a figure with errors is marked ⚠.")
    w("")
    if args.nginx_conf:
        w("<details><summary>nginx.conf</summary>\n\n```nginx")
        w(untmp(open(args.nginx_conf, encoding="utf-8").read().rstrip()))
        w("```\n</details>\n")
    if args.gateway_conf:
        w("<details><summary>gateway.toml</summary>\n\n```toml")
        w(untmp(open(args.gateway_conf, encoding="utf-8").read().rstrip()))
        w("```\n</details>\n")
    w("## Commands\n")
    w("In the order they ran (`$BENCH_TMP` is the run's temporary directory; ports were picked at run time).\n")
    w("```sh")
    with open(args.commands, encoding="utf-8") as f:
        for line in f:
            w(untmp(line.rstrip("\n")))
    w("```")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
