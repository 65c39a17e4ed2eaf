# tests/clients/suds/scenario.py: owns the suds row of the client matrix (SOAP 1.1 only: suds has no SOAP 1.2).
"""The matrix scenario (tests/clients/README.md) through suds's service proxy on the WSDL's SOAP 1.1 port.

Answers are read through suds's objects: reply objects and suds.WebFault (its fault.detail.ErrorResponse).
Prints "PASS soap11" or "FAIL soap11: why".
"""

import os
import sys
import traceback

import suds
from suds.cache import NoCache
from suds.client import Client
from suds.transport import TransportError
from suds.transport.http import HttpAuthenticated


class Recording(HttpAuthenticated):
    """suds's default transport, remembering the HTTP status of the last reply."""

    last_status = None

    def send(self, request):
        try:
            reply = super().send(request)
        except TransportError as e:
            self.last_status = e.httpcode
            raise
        self.last_status = reply.code
        return reply


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def as_list(v):
    return [] if v is None else v if isinstance(v, list) else [v]


def run():
    transport = Recording()
    client = Client(os.environ["USERGATE_WSDL_URL"], location=os.environ["USERGATE_SOAP11_URL"], cache=NoCache(),
                    transport=transport)
    svc = client.service["UsergatePort"]
    prefix = "suds11_"
    name = prefix + "u1"

    r = svc.SessionLogin(user_name=os.environ["USERGATE_USER"], customer_name=os.environ["USERGATE_CUSTOMER"],
                         password=os.environ["USERGATE_PASSWORD"])
    check(r.status == "success" and r.data.token, f"SessionLogin: {r}")
    token = r.data.token
    r = svc.CreateUser(token=token, user_name=name, password="suds-pass-1", nickname="Sud", first_name="Suds",
                       last_name="Client", email=f"{name}@example.org", organization="Matrix")
    check(r.status == "success" and r.data.user_name == name and isinstance(r.data.user_id, int), f"CreateUser: {r}")
    r = svc.GetUser(token=token, user_name=name)
    check(r.data.email == f"{name}@example.org" and r.data.status == "active", f"GetUser: {r}")
    r = svc.GetUsers(token=token, search=prefix)
    check([u.user_name for u in as_list(r.data)] == [name], f"GetUsers: {r}")
    r = svc.UpdateUser(token=token, user_name=name, nickname="Sudsy", city="Seattle")
    check((r.data.nickname, r.data.city, r.data.version) == ("Sudsy", "Seattle", 2), f"UpdateUser: {r}")
    r = svc.BlockUser(token=token, user_name=name)
    check(r.data.status == "blocked", f"BlockUser: {r}")
    r = svc.UnblockUser(token=token, user_name=name)
    check(r.data.status == "active", f"UnblockUser: {r}")
    r = svc.DeleteUser(token=token, user_name=name)
    check(r.status == "success", f"DeleteUser: {r}")
    try:
        r = svc.GetUser(token=token, user_name=name)
        raise AssertionError(f"GetUser of a deleted user answered {r}")
    except suds.WebFault as e:
        check(transport.last_status == 500, f"fault HTTP status {transport.last_status}")
        check(e.fault.faultcode.endswith("Client"), f"faultcode {e.fault.faultcode!r}")
        detail = e.fault.detail.ErrorResponse
        msg = as_list(detail.msgs)[0]
        check(detail.status == "failure" and msg.err_cd == "NOT_FOUND", f"fault detail {detail}")
        check(e.fault.faultstring == msg.info, f"faultstring {e.fault.faultstring!r}")
    r = svc.GetUser(token=token, fault_incompat=1, user_name=name)
    check(transport.last_status == 200, f"fault_incompat HTTP status {transport.last_status}")
    check(r.status == "failure" and as_list(r.msgs)[0].err_cd == "NOT_FOUND", f"fault_incompat=1: {r}")
    r = svc.SessionLogout(token=token)
    check(r.status == "success", f"SessionLogout: {r}")


def main():
    try:
        run()
        print("PASS soap11", flush=True)
    except Exception as e:  # any failure of the client or of an assertion is this cell's FAIL
        traceback.print_exc()
        print(f"FAIL soap11: {type(e).__name__}: {e}"[:400], flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
