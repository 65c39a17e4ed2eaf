# tests/clients/matrix.py: owns one client-matrix run: server, capture proxy, every client's run.sh, the table.
"""Runs every tests/clients/<client>/run.sh against ONE release server, at most 3 at a time, and prints the matrix.

    python3 tests/clients/matrix.py [CLIENT ...]     (run_all.sh calls this; no names = every client)

The server is the release binary on a fresh database (tests/interop/server.py), its owner `owner` of customer
`default` with the fixture seed's password, so tests/it/client_captures.rs can replay the captures on the fixture
template. Clients talk to it through tests/clients/capture_proxy.py, which records into fixtures/clients when
UPDATE_CAPTURES=1 and into target/clients/captures otherwise.

Each run.sh gets, in its environment:
    USERGATE_WSDL_URL        the live WSDL (http://127.0.0.1:PORT/SOAP/?wsdl)
    USERGATE_WSDL_FILE       wsdl/usergate.wsdl in the repository (for generators that want a file)
    USERGATE_SOAP11_URL      the endpoint to call with SOAP 1.1 (through the proxy: .../<client>/soap11/)
    USERGATE_SOAP12_URL      the endpoint to call with SOAP 1.2 (.../<client>/soap12/)
    USERGATE_CUSTOMER, USERGATE_USER, USERGATE_PASSWORD    the owner to log in as
    CLIENT_OUT               target/clients/<client>, for generated code and builds
and prints one line per binding, "PASS soap11" or "FAIL soap12: why", exiting non-zero on any failure.
"""

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "interop"))
from server import usergate  # noqa: E402

COMMITTED = ROOT / "fixtures" / "clients"
OWNER_PASSWORD = "ownerpass1"  # the fixture seed's owner (fixtures/README.md)
PARALLEL = 3
CLIENT_TIMEOUT_S = 900
LINE = re.compile(r"^(PASS|FAIL) (\S+?):?(?: (.*))?$")


def start_proxy(server_url, out_dir):
    proc = subprocess.Popen([sys.executable, str(HERE / "capture_proxy.py"), server_url, str(out_dir)],
                            stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    m = re.search(r"(http://127\.0\.0\.1:\d+/)", first)
    if not m:
        proc.kill()
        raise RuntimeError(f"capture proxy did not start: {first!r}")
    return proc, m.group(1)


def run_client(name, env_base, proxy_url, log_dir):
    script = HERE / name / "run.sh"
    env = dict(env_base)
    env["USERGATE_SOAP11_URL"] = f"{proxy_url}{name}/soap11/"
    env["USERGATE_SOAP12_URL"] = f"{proxy_url}{name}/soap12/"
    env["CLIENT_OUT"] = str(ROOT / "target" / "clients" / name)
    Path(env["CLIENT_OUT"]).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        done = subprocess.run(["bash", str(script)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=CLIENT_TIMEOUT_S)
        out, rc = done.stdout, done.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        out, rc = out + f"\nFAIL run: timed out after {CLIENT_TIMEOUT_S} s\n", 124
    (log_dir / f"{name}.log").write_text(out)
    cells = {}
    for line in out.splitlines():
        m = LINE.match(line.strip())
        if m:
            cells[m.group(2)] = (m.group(1), m.group(3) or "")
    return name, rc, cells, out, time.monotonic() - started


def main():
    wanted = sys.argv[1:]
    clients = sorted(p.parent.name for p in HERE.glob("*/run.sh"))
    if wanted:
        unknown = set(wanted) - set(clients)
        if unknown:
            sys.exit(f"clients: no tests/clients/<name>/run.sh for {', '.join(sorted(unknown))}")
        clients = [c for c in clients if c in wanted]
    update = os.environ.get("UPDATE_CAPTURES") == "1"
    captures = COMMITTED if update else ROOT / "target" / "clients" / "captures"
    log_dir = ROOT / "target" / "clients" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    # The servers listen on 127.0.0.1 only: never send that through a proxy of the environment.
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    started = time.monotonic()
    with usergate(OWNER_PASSWORD) as base_url:
        proxy, proxy_url = start_proxy(base_url, captures)
        try:
            env = dict(os.environ, USERGATE_WSDL_URL=base_url + "?wsdl",
                       USERGATE_WSDL_FILE=str(ROOT / "wsdl" / "usergate.wsdl"), USERGATE_CUSTOMER="default",
                       USERGATE_USER="owner", USERGATE_PASSWORD=OWNER_PASSWORD)
            with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
                results = list(pool.map(lambda c: run_client(c, env, proxy_url, log_dir), clients))
        finally:
            proxy.terminate()
            proxy.wait(timeout=10)
    return report(results, time.monotonic() - started, captures)


def report(results, elapsed, captures):
    bindings = sorted({b for _, _, cells, _, _ in results for b in cells} | {"soap11", "soap12"})
    failed = False
    print("\n| client | " + " | ".join(bindings) + " | exit | time |")
    print("|---|" + "---|" * len(bindings) + "---|---|")
    for name, rc, cells, _, secs in results:
        row = [cells.get(b, ("-", ""))[0] for b in bindings]
        bad = rc != 0 or any(v == "FAIL" for v in row) or not cells
        failed |= bad
        print(f"| {name} | " + " | ".join(row) + f" | {rc} | {secs:.0f} s |")
    for name, rc, cells, out, _ in results:
        if rc != 0 or any(v[0] == "FAIL" for v in cells.values()) or not cells:
            print(f"\n--- {name} (exit {rc}): last lines of target/clients/logs/{name}.log ---")
            print("\n".join(out.splitlines()[-40:]))
    if captures != COMMITTED:
        stale = stale_captures(captures, [name for name, *_ in results])
        if stale:
            print(f"\nnote: {len(stale)} captured request(s) differ from fixtures/clients (a client now sends "
                  "something else; UPDATE_CAPTURES=1 records it):\n  " + "\n  ".join(stale[:20]))
    print(f"\nclients: {len(results)} run in {elapsed:.0f} s; captures in {captures.relative_to(ROOT)}; "
          f"{'FAILED' if failed else 'all passed'}")
    return 1 if failed else 0


def stale_captures(captures, clients):
    """Request and header files of this run that are missing from, or differ from, the committed captures."""
    out = []
    for client in clients:
        for path in sorted((captures / client).glob("*/*.request.*")):
            committed = COMMITTED / path.relative_to(captures)
            if not committed.is_file() or committed.read_bytes() != path.read_bytes():
                out.append(str(path.relative_to(captures)))
    return out


if __name__ == "__main__":
    sys.exit(main())
