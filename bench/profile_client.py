#!/usr/bin/env python3
"""bench/profile_client.py PORT N KIND PID: drives bench/profile.sh's server: owner login, 300 warm-up requests,
then callgrind collection on for exactly N keep-alive requests of KIND, each reply checked."""
import http.client
import re
import subprocess
import sys
import time

port, n, kind, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
HEAD = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:u="urn:usergate:1"><s:Body>'
TAIL = "</s:Body></s:Envelope>"

for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("GET", "/healthz")
        c.getresponse().read()
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("server did not start")


def post(body):
    c.request("POST", "/" if kind == "bare" else "/SOAP/", body=body.encode(), headers={"Content-Type": "text/xml; charset=utf-8"})
    r = c.getresponse()
    return r.status, r.read().decode()


if kind == "bare":
    token = "none"
else:
    status, text = post(HEAD + "<u:SessionLoginRequest><user_name>owner</user_name><customer_name>default</customer_name>"
                        "<password>bench-password-1</password></u:SessionLoginRequest>" + TAIL)
    token = re.search(r"<token>([^<]+)</token>", text).group(1)
bodies = {
    # bench_tools bare: the same request, a fixed reply.
    "bare": (HEAD + "<u:GetUserRequest><token>x</token><user_name>u0000042</user_name></u:GetUserRequest>" + TAIL, 200,
             "<u:user_name>alice"),
    "getuser": (HEAD + f"<u:GetUserRequest><token>{token}</token><user_name>u0000042</user_name></u:GetUserRequest>"
                + TAIL, 200, "<user_name>u0000042</user_name>"),
    "fault": (HEAD + f"<u:GetUserRequest><token>{token}</token><user_name>nosuch</user_name></u:GetUserRequest>"
              + TAIL, 500, "NOT_FOUND"),
    "getusers": (HEAD + f"<u:GetUsersRequest><token>{token}</token><search>team00003</search></u:GetUsersRequest>"
                 + TAIL, 200, "<user_name>u0000400</user_name>"),
}
# A durable write that changes something every time (the city alternates), so no request is a no-op.
bodies["updateuser"] = (HEAD + f"<u:UpdateUserRequest><token>{token}</token><user_name>u0000042</user_name>"
                        "<city>CITY</city></u:UpdateUserRequest>" + TAIL, 200, "<user_name>u0000042</user_name>")
body, want_status, want = bodies[kind]


def nth(i):
    return body.replace("CITY", f"City{i % 2}")


for i in range(300):
    post(nth(i))
subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
for i in range(n):
    status, text = post(nth(i))
    if status != want_status or want not in text:
        sys.exit(f"wrong reply: {status} {text[:300]}")
subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
