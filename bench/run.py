#!/usr/bin/env python3
"""bench/run.py: every benchmark scenario of usergate in one run, one table (BENCHMARKS.md). Run it through
bench/run.sh, which builds first. Loads are bounded (wrk, fixed duration) and aimed at 127.0.0.1 only; the server
under test runs on core 0 and wrk on core 1 (taskset). Standard library only.

For each round, for each scenario: a fresh server (so that its peak RSS is its own) on a seeded database, an owner
token from SessionLogin, one request checked by hand (status and content), a warm-up, the measured wrk run (server
CPU from /proc/<pid>/stat, peak RSS from VmHWM), then SIGTERM. The reference rows (bare hyper, one-row durable
commits) run in the same rounds. --smoke: every scenario briefly, replies checked, no target asserted; it fails
if any reply was wrong."""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USERGATE = os.path.join(ROOT, "target/release/usergate")
TOOLS = os.path.join(ROOT, "target/release/examples/bench_tools")
LUA = os.path.join(ROOT, "bench/scenario.lua")
PASSWORD = "bench-password-1"
HZ = os.sysconf("SC_CLK_TCK")

ENV_HEAD = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:u="urn:usergate:1"><s:Body>')
ENV_TAIL = "</s:Body></s:Envelope>"


def envelope(inner):
    return ENV_HEAD + inner + ENV_TAIL


def get_user(token, user):
    return envelope(f"<u:GetUserRequest><token>{token}</token><user_name>{user}</user_name></u:GetUserRequest>")


def get_users(token, search):
    return envelope(f"<u:GetUsersRequest><token>{token}</token><search>{search}</search></u:GetUsersRequest>")


def update_user(token):
    return envelope(f"<u:UpdateUserRequest><token>{token}</token><user_name>%U</user_name>"
                    "<nickname>n%I</nickname></u:UpdateUserRequest>")


def block_unblock(token):
    return envelope(f"<u:%OPUserRequest><token>{token}</token><user_name>%U</user_name></u:%OPUserRequest>")


def create_user(token):
    return envelope(f"<u:CreateUserRequest><token>{token}</token><user_name>c%I</user_name>"
                    f"<password>{PASSWORD}</password><nickname>c</nickname><first_name>Created</first_name>"
                    "<last_name>User</last_name><email>c%I@bench.example</email><organization>Bench</organization>"
                    "</u:CreateUserRequest>")


def session_login(user="%U"):
    return envelope(f"<u:SessionLoginRequest><user_name>{user}</user_name><customer_name>default</customer_name>"
                    f"<password>{PASSWORD}</password></u:SessionLoginRequest>")


def fill(template, i, mod=1000, run="r"):
    """The same substitution as scenario.lua, for the request checked by hand."""
    op = "Block" if (i // mod) % 2 == 0 else "Unblock"
    return (template.replace("%U", f"u{(i % mod) + 1:07d}").replace("%I", f"{run}{i}").replace("%OP", op))


class Scenario:
    """One row: how to build the request(s) from a token, what a correct reply looks like, on which database."""

    def __init__(self, name, db, t0, expect, status=200, t1=None, every=0, t1_expect=None, flood=None, conns=None,
                 mod=1000):
        self.name, self.db, self.t0, self.expect, self.status, self.conns = name, db, t0, expect, status, conns
        self.t1, self.every, self.t1_expect, self.flood, self.mod = t1, every, t1_expect, flood, mod


def hundred(body):
    """GetUsers of team 3: exactly the 100 users u0000301..u0000400."""
    names = re.findall(r"<user_name>(u\d+)</user_name>", body)
    return "<status>success</status>" in body and names == [f"u{i:07d}" for i in range(301, 401)]


def scenarios(big_label, big_users):
    ok = r"<status>success</status>"
    # GetUser reads the seeded users u0000001..u0001000 in turn (%U), not one hot user.
    user = r"<user_name>u\d{7}</user_name>"
    return [
        Scenario("GetUser", "small", lambda t: get_user(t, "%U"), user),
        Scenario("GetUsers (100 match)", "small", lambda t: get_users(t, "team00003"), hundred),
        Scenario("UpdateUser (1 field)", "write", update_user, ok + r".*<nickname>n"),
        Scenario("Block/Unblock (1,000 users)", "write", block_unblock, ok),
        Scenario("CreateUser", "write", create_user, ok + r".*<user_name>c"),
        Scenario("SessionLogin", "write", lambda t: session_login(), ok + r".*<token>"),
        Scenario("mixed 90/10 (GetUser/UpdateUser)", "write", lambda t: get_user(t, "%U"), user,
                 t1=update_user, every=10, t1_expect=ok),
        Scenario("fault (unknown user)", "small", lambda t: get_user(t, "nosuchuser"),
                 r"<faultcode>soap:Client</faultcode>.*NOT_FOUND", status=500),
        Scenario("GetUser during a 32-conn login flood", "write", lambda t: get_user(t, "%U"), user,
                 flood=lambda t: session_login()),
        Scenario(f"GetUser, {big_label} users", "big", lambda t: get_user(t, "%U"), user),
        # Each of the users in turn: no read is served from the user cache (a run sends fewer requests than there
        # are users), so this row measures the SQLite read path.
        Scenario(f"GetUser uncached, {big_label} users in turn", "big", lambda t: get_user(t, "%U"), user,
                 mod=big_users),
        # A search scans the customer's users (there is no paging yet): seconds per request on a million, so two
        # connections, or wrk's timeout would cut most requests off.
        Scenario(f"GetUsers (100 match), {big_label} users, 2 connections", "big",
                 lambda t: get_users(t, "team00003"), hundred, conns=2),
    ]


def post(url, body, timeout=30):
    req = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "text/xml; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime of the whole process (all threads)


def hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def free_port():
    """A port the OS has just handed out, so that parallel runs (CI runs the smoke beside other suites) never collide
    on a fixed one. Another process could take it before the server binds: `start` then sees the server exit and
    tries another."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, proc, limit=30.0):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return time.monotonic() - start
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.002)
    raise SystemExit(f"server did not answer {url} within {limit} s")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wrk(url, conns, secs, env, pin):
    cmd = (["taskset", "-c", "1"] if pin else []) + [
        "wrk", "-t1", f"-c{conns}", f"-d{secs}s", "--timeout", "10s", "-s", LUA, url]
    return subprocess.Popen(cmd, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def wrk_result(proc):
    out, _ = proc.communicate()
    m = re.search(r"RESULT (\S+) (\S+) (\S+) (\d+) (\d+) (\d+)", out)
    if not m:
        raise SystemExit(f"wrk failed:\n{out}")
    rps, p50, p99 = (float(x) for x in m.group(1, 2, 3))
    non2xx, sockerr, n = (int(x) for x in m.group(4, 5, 6))
    return {"rps": rps, "p50": p50, "p99": p99, "non2xx": non2xx, "sockerr": sockerr, "requests": n}


def lua_env(t0, t1=None, every=0, run="r", mod=1000):
    return {"T0": t0, "T1": t1 or "", "EVERY": str(every), "MOD": str(mod), "RUN": run}


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = os.path.join(ROOT, "target/bench")
        os.makedirs(self.dir, exist_ok=True)
        self.url = None
        # Every login comes from 127.0.0.1: the per-source SessionLogin limit (README, Security) would answer the
        # login scenarios SERVICE_UNAVAILABLE, so the server under test runs without it.
        self.config = os.path.join(self.dir, "bench.toml")
        with open(self.config, "w") as f:
            f.write("login_rate_per_minute = 0\n")
        self.pin = not args.no_pin
        self.failures = []
        self.startup_ms = []

    def seed(self, path, users):
        marker = path + ".seeded"
        if os.path.exists(path) and os.path.exists(marker) and open(marker).read() == str(users):
            return
        for p in (path, path + "-wal", path + "-shm", marker):
            if os.path.exists(p):
                os.remove(p)
        start = time.monotonic()
        env = {**os.environ, "USERGATE_BOOTSTRAP_PASSWORD": PASSWORD, "RUST_LOG": "warn"}
        subprocess.run([USERGATE, "--db", path, "admin", "seed-bench", "--users", str(users)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"seeded {users:,} users in {time.monotonic() - start:.1f} s ({path})", flush=True)
        with open(marker, "w") as f:
            f.write(str(users))

    def start(self, db):
        for attempt in range(5):
            port = free_port()
            cmd = (["taskset", "-c", "0"] if self.pin else []) + [
                USERGATE, "--config", self.config, "--db", db, "serve", "--listen", f"127.0.0.1:{port}"]
            proc = subprocess.Popen(cmd, env={**os.environ, "RUST_LOG": "warn"}, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            try:
                took = wait_up(f"http://127.0.0.1:{port}/healthz", proc)
            except SystemExit:
                stop(proc)
                if attempt == 4:
                    raise
                continue
            self.url = f"http://127.0.0.1:{port}/SOAP/"
            return proc, took

    def login(self):
        status, body = post(self.url, session_login("owner"))
        m = re.search(r"<token>([^<]+)</token>", body)
        if status != 200 or not m:
            raise SystemExit(f"owner login failed: {status} {body[:300]}")
        return m.group(1)

    def check(self, name, body, status, pattern):
        got_status, got = post(self.url, body)
        matches = pattern(got) if callable(pattern) else re.search(pattern, got, re.S)
        if got_status != status or not matches:
            want = getattr(pattern, "__doc__", None) or pattern
            self.failures.append(f"{name}: expected HTTP {status} and {want!r}, got {got_status}: {got[:400]}")
            return False
        return True

    def owner_token(self, db):
        """A session for the owner, made by a server that is then stopped: the measured server's peak RSS is then
        its own load's, not the Argon2id block of this login (which lives on in the allocator)."""
        proc, _ = self.start(db)
        try:
            return self.login()
        finally:
            stop(proc)

    def run_scenario(self, sc, db, token, rnd):
        proc, took = self.start(db)
        try:
            if sc.db == "big":
                self.startup_ms.append(took * 1000)
            run = f"r{rnd}x{os.getpid()}x"
            t0 = sc.t0(token)
            self.check(sc.name, fill(t0, 999_999, mod=sc.mod, run="check"), sc.status, sc.expect)
            t1 = sc.t1(token) if sc.t1 else None
            if t1:
                self.check(sc.name + " (write part)", fill(t1, 999_998, run="check"), 200, sc.t1_expect)
            env = lua_env(t0, t1, sc.every, run, sc.mod)
            if self.args.warm > 0:
                wrk_result(wrk(self.url, sc.conns or self.args.conns, self.args.warm, {**env, "RUN": run + "w"}, self.pin))
            flood = None
            if sc.flood:
                flood = wrk(self.url, self.args.conns, self.args.duration + 1, lua_env(sc.flood(token)), self.pin)
                time.sleep(0.5)
            before = ticks(proc.pid)
            res = wrk_result(wrk(self.url, sc.conns or self.args.conns, self.args.duration, env, self.pin))
            used = ticks(proc.pid) - before
            if flood:
                fres = wrk_result(flood)
                res["flood"] = fres
            res["cpu_us"] = used / HZ * 1e6 / max(res["requests"], 1)
            res["rss_mb"] = hwm_kb(proc.pid) / 1024
            if sc.status == 200:
                res["errors"] = res["non2xx"] + res["sockerr"]
            else:
                res["errors"] = (res["requests"] - res["non2xx"]) + res["sockerr"]
            if flood:
                res["errors"] += res["flood"]["non2xx"] + res["flood"]["sockerr"]
            # The state still answers correctly after the load.
            self.check(sc.name + " (after the load)", fill(t0, 7, mod=sc.mod, run="after"), sc.status, sc.expect)
            return res
        finally:
            stop(proc)

    def run_bare(self):
        port = free_port()
        cmd = (["taskset", "-c", "0"] if self.pin else []) + [TOOLS, "bare", str(port)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/"
        try:
            wait_up(url, proc)
            env = lua_env(get_user("x", "alice"))
            if self.args.warm > 0:
                wrk_result(wrk(url, self.args.conns, self.args.warm, env, self.pin))
            before = ticks(proc.pid)
            res = wrk_result(wrk(url, self.args.conns, self.args.duration, env, self.pin))
            res["cpu_us"] = (ticks(proc.pid) - before) / HZ * 1e6 / max(res["requests"], 1)
            res["rss_mb"] = hwm_kb(proc.pid) / 1024
            res["errors"] = res["non2xx"] + res["sockerr"]
            return res
        finally:
            stop(proc)

    def run_commit_loop(self):
        cmd = (["taskset", "-c", "0"] if self.pin else []) + [TOOLS, "commit-loop", self.dir,
                                                              str(max(1, int(self.args.duration)))]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        m = re.search(r"per_second (\S+)", out)
        return {"rps": float(m.group(1)) if m else 0.0}

    def main(self):
        a = self.args
        small = os.path.join(self.dir, "db-1k.db")
        big = os.path.join(self.dir, f"db-{a.big_users}.db")
        self.seed(small, 1000)
        self.seed(big, a.big_users)
        big_label = f"{a.big_users:,}"
        scs = [s for s in scenarios(big_label, a.big_users) if not a.only or any(o.lower() in s.name.lower() for o in a.only)]
        results = {s.name: [] for s in scs}
        bare, commits = [], []
        for rnd in range(1, a.rounds + 1):
            print(f"round {rnd}/{a.rounds}", flush=True)
            # Fresh each round: a session idle for 30 minutes ends.
            tokens = {"small": self.owner_token(small), "big": self.owner_token(big)}
            bare.append(self.run_bare())
            print(f"  bare hyper: {bare[-1]['rps']:,.0f} req/s", flush=True)
            commits.append(self.run_commit_loop())
            print(f"  durable commits: {commits[-1]['rps']:,.0f}/s", flush=True)
            for sc in scs:
                db = {"small": small, "big": big}.get(sc.db)
                if sc.db == "write":
                    db = os.path.join(self.dir, "db-write.db")
                    for suffix in ("", "-wal", "-shm"):
                        if os.path.exists(db + suffix):
                            os.remove(db + suffix)
                    shutil.copyfile(small, db)
                r = self.run_scenario(sc, db, tokens["big" if sc.db == "big" else "small"], rnd)
                results[sc.name].append(r)
                print(f"  {sc.name}: {r['rps']:,.2f} req/s, p99 {r['p99']:.2f} ms, {r['cpu_us']:.1f} us/req, "
                      f"errors {r['errors']}", flush=True)
        self.report(results, bare, commits, big_label)
        for f in self.failures:
            print(f"WRONG REPLY: {f}", file=sys.stderr)
        errors = sum(r["errors"] for rs in results.values() for r in rs)
        if self.failures or (a.smoke and errors):
            print(f"bench: {len(self.failures)} wrong replies, {errors} errors under load", file=sys.stderr)
            return 1
        return 0

    def report(self, results, bare, commits, big_label):
        def med(rs, k):
            return statistics.median(r[k] for r in rs)

        def num(x):
            return f"{x:,.0f}" if x >= 100 else f"{x:.2f}"

        bare_rps = med(bare, "rps")
        print()
        print(f"{self.args.rounds} round(s), {self.args.duration} s each, {self.args.conns} connections, "
              f"{'server on core 0, wrk on core 1' if self.pin else 'unpinned'}; medians (min)")
        print()
        print("| scenario | req/s median (min) | p50 / p99 ms | server CPU us/req | peak RSS MB | errors | x bare |")
        print("|---|---:|---:|---:|---:|---:|---:|")

        def row(name, rs):
            print(f"| {name} | {num(med(rs, 'rps'))} ({num(min(r['rps'] for r in rs))}) | "
                  f"{med(rs, 'p50'):.2f} / {med(rs, 'p99'):.2f} | {med(rs, 'cpu_us'):.1f} | "
                  f"{max(r['rss_mb'] for r in rs):.1f} | {sum(r['errors'] for r in rs)} | "
                  f"{med(rs, 'rps') / bare_rps:.3f} |")

        row("bare hyper, fixed reply (reference)", bare)
        for name, rs in results.items():
            row(name, rs)
        commit_rps = med(commits, "rps")
        print(f"| raw durable commits, one row each (reference) | {commit_rps:,.0f} "
              f"({min(c['rps'] for c in commits):,.0f}) | | | | | |")
        print()

        def ratio(a, b):
            return f"{a / b:.2f}" if b else "n/a"

        get = results.get
        notes = []
        for name in ("UpdateUser (1 field)", "Block/Unblock (1,000 users)"):
            if get(name):
                notes.append(f"- {name}: {ratio(med(get(name), 'rps'), commit_rps)} x the raw one-commit-per-write "
                             "rate (target >= 5, or the server core saturated)")
        small_get, big_get = get("GetUser"), get(f"GetUser, {big_label} users")
        if small_get and big_get:
            notes.append(f"- GetUser p50, {big_label} vs 1,000 users: "
                         f"{ratio(med(big_get, 'p50'), med(small_get, 'p50'))} (target <= 1.5)")
        flood = get("GetUser during a 32-conn login flood")
        if small_get and flood:
            logins = statistics.median(r["flood"]["rps"] for r in flood)
            notes.append(f"- GetUser during a login flood keeps {ratio(med(flood, 'rps'), med(small_get, 'rps'))} "
                         f"of its undisturbed req/s (target >= 0.33); the flood's logins: {logins:,.1f}/s")
        if self.startup_ms:
            notes.append(f"- start-up to listening, {big_label} users: median "
                         f"{statistics.median(self.startup_ms):.0f} ms, max {max(self.startup_ms):.0f} ms "
                         "(target < 200)")
        print("\n".join(notes))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="every scenario briefly; fail on any wrong reply")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    p.add_argument("--warm", type=float, default=3, help="seconds of warm-up per run")
    p.add_argument("--conns", type=int, default=32)
    p.add_argument("--big-users", type=int, default=1_000_000)
    p.add_argument("--only", action="append", help="run only scenarios whose name contains this (repeatable)")
    p.add_argument("--no-pin", action="store_true", help="do not pin (server and wrk share the cores)")
    args = p.parse_args()
    if args.smoke:
        args.rounds, args.duration, args.warm, args.big_users = 1, 1, 0, 10_000
    # wrk takes whole seconds.
    args.duration = max(1, int(args.duration))
    args.warm = int(args.warm)
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None and not (tool == "taskset" and args.no_pin):
            raise SystemExit(f"bench: {tool} not found")
    return Bench(args).main()


if __name__ == "__main__":
    sys.exit(main())
