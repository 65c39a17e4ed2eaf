# tests/clients/zeep/scenario.py: owns the zeep row of the client matrix (SOAP 1.1 and 1.2 on usergate.wsdl).
"""The matrix scenario (tests/clients/README.md) through zeep's generated service proxy, once per binding.

Every answer is read through zeep's own objects: typed replies, zeep.exceptions.Fault, and the fault's
detail/ErrorResponse parsed with the WSDL's element. Prints "PASS soap11" / "FAIL soap12: why" per binding.
"""

import os
import sys
import traceback

import zeep
from zeep.exceptions import Fault

NS = "urn:usergate:1"
BINDINGS = {"soap11": ("UsergateBinding", "Client"), "soap12": ("UsergateBinding12", "Sender")}


class Recording(zeep.Transport):
    """Remembers the HTTP status and Content-Type of the last reply."""

    last = (None, None)

    def post(self, address, message, headers):
        r = super().post(address, message, headers)
        self.last = (r.status_code, r.headers.get("Content-Type", ""))
        return r


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def run(binding):
    qname, fault_code = BINDINGS[binding]
    transport = Recording()
    client = zeep.Client(os.environ["USERGATE_WSDL_URL"], transport=transport)
    svc = client.create_service(f"{{{NS}}}{qname}", os.environ[f"USERGATE_{binding.upper()}_URL"])
    want_type = "text/xml" if binding == "soap11" else "application/soap+xml"
    prefix = f"zeep{binding[-2:]}_"
    name = prefix + "u1"

    r = svc.SessionLogin(user_name=os.environ["USERGATE_USER"], customer_name=os.environ["USERGATE_CUSTOMER"],
                         password=os.environ["USERGATE_PASSWORD"])
    check(r.status == "success" and r.data.token, f"SessionLogin: {r}")
    check(transport.last[1].startswith(want_type), f"reply Content-Type {transport.last[1]!r}")
    token = r.data.token
    r = svc.CreateUser(token=token, user_name=name, password="zeep-pass-1", nickname="Zed", first_name="Zeep",
                       last_name="Client", email=f"{name}@example.org", organization="Matrix")
    check(r.status == "success" and r.data.user_name == name and isinstance(r.data.user_id, int), f"CreateUser: {r}")
    r = svc.GetUser(token=token, user_name=name)
    check(r.data.email == f"{name}@example.org" and r.data.status == "active", f"GetUser: {r}")
    r = svc.GetUsers(token=token, search=prefix)
    check([u.user_name for u in r.data] == [name], f"GetUsers: {r}")
    r = svc.UpdateUser(token=token, user_name=name, nickname="Zedd", city="Zurich")
    check((r.data.nickname, r.data.city, r.data.version) == ("Zedd", "Zurich", 2), f"UpdateUser: {r}")
    r = svc.BlockUser(token=token, user_name=name)
    check(r.data.status == "blocked", f"BlockUser: {r}")
    r = svc.UnblockUser(token=token, user_name=name)
    check(r.data.status == "active", f"UnblockUser: {r}")
    r = svc.DeleteUser(token=token, user_name=name)
    check(r.status == "success", f"DeleteUser: {r}")
    try:
        r = svc.GetUser(token=token, user_name=name)
        raise AssertionError(f"GetUser of a deleted user answered {r}")
    except Fault as f:
        check(transport.last[0] == (500 if binding == "soap11" else 400), f"fault HTTP status {transport.last}")
        check((f.code or "").endswith(fault_code), f"fault code {f.code!r}")
        found = f.detail.find(f"{{{NS}}}ErrorResponse") if f.detail is not None else None
        check(found is not None, f"fault detail {f.detail!r}")
        detail = client.get_element(f"{{{NS}}}ErrorResponse").parse(found, client.wsdl.types)
        check(detail.status == "failure" and detail.msgs[0].err_cd == "NOT_FOUND", f"fault detail {detail}")
        check(f.message == detail.msgs[0].info, f"faultstring {f.message!r}")
    r = svc.GetUser(token=token, fault_incompat=1, user_name=name)
    check(transport.last[0] == 200, f"fault_incompat HTTP status {transport.last}")
    check(r.status == "failure" and r.msgs[0].err_cd == "NOT_FOUND", f"fault_incompat=1: {r}")
    r = svc.SessionLogout(token=token)
    check(r.status == "success", f"SessionLogout: {r}")


def main():
    failed = False
    for binding in sys.argv[1:] or list(BINDINGS):
        try:
            run(binding)
            print(f"PASS {binding}", flush=True)
        except Exception as e:  # any failure of the client or of an assertion is this cell's FAIL
            traceback.print_exc()
            print(f"FAIL {binding}: {type(e).__name__}: {e}"[:400], flush=True)
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
