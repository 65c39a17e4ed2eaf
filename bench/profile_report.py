#!/usr/bin/env python3
"""bench/profile_report.py CALLGRIND_FILE N: instructions per request by layer, from callgrind's inclusive counts.
Layers are the functions each layer enters through; a layer's figure includes the layers it calls, and the table
says which are nested. User-space instructions only: the kernel's TCP and futex work is not counted."""
import re
import subprocess
import sys

path, n = sys.argv[1], int(sys.argv[2])
out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path], capture_output=True,
                     text=True, check=True).stdout
total = 0
incl = {}
for line in out.splitlines():
    m = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+(.*)", line)
    if not m:
        continue
    cost = int(m.group(1).replace(",", ""))
    name = m.group(2)
    if name.strip() == "PROGRAM TOTALS":
        total = cost
        continue
    # "file:function [object]" -> function
    fn = re.sub(r"\s\[[^\]]*\]$", "", name)
    fn = fn.split(":", 1)[1] if ":" in fn and not fn.startswith("<") else fn
    incl[fn] = max(incl.get(fn, 0), cost)


def find(*patterns):
    best = 0
    for fn, cost in incl.items():
        if all(p in fn for p in patterns):
            best = max(best, cost)
    return best


LAYERS = [
    ("whole process (all threads)", None),
    ("  hyper connection task: HTTP/1.1 parse, body, reply write (includes the next 4 rows)",
     ("GracefulConnectionFuture",)),
    ("    read_request: envelope + message decode (soap, messages)", ("usergate::http::endpoint::read_request",)),
    ("    write_response: response envelope + UserData", ("usergate::messages::common::write_response",)),
    ("    correlation id (random uid when absent)", ("usergate::auth::token::generate_uid",)),
    ("  blocking-pool task: ops::dispatch (includes the rows below)", ("usergate::ops::dispatch",)),
    ("    authenticate: token SHA-256 + session + caller user", ("usergate::domain::session::authenticate",)),
    ("      token SHA-256", ("usergate::auth::token::hash",)),
    ("      store: session_by_hash", ("SqliteStore as usergate::domain::store::Store>::session_by_hash",)),
    ("      store: user_by_id (caller)", ("SqliteStore as usergate::domain::store::Store>::user_by_id",)),
    ("    store: user_by_name (target)", ("SqliteStore as usergate::domain::store::Store>::user_by_name",)),
    ("  SQLite (sqlite3_step, all statements)", ("sqlite3_step",)),
    ("  SQLite prepare (sqlite3_prepare_v3)", ("sqlite3_prepare_v3",)),
    ("  malloc + free", None),
]
print(f"callgrind, {n} requests: instructions per request by layer (inclusive)")
print()
print("| layer | instructions / request | share |")
print("|---|---:|---:|")
for label, pats in LAYERS:
    if pats is None and label.startswith("whole"):
        cost = total
    elif pats is None:
        cost = incl.get("malloc", 0) + incl.get("free", 0)
    else:
        cost = find(*pats)
    print(f"| {label} | {cost / n:,.0f} | {100 * cost / max(total, 1):.1f}% |")
