# tests/interop/test_dynect.py: owns the DynECT-profile interop tests (zeep and suds on Dyn's own 2.3.1 WSDL, zeep on
# our wsdl/dynect.wsdl, PHP SoapClient on Dyn's 2.3.1 WSDL).
"""Real DynECT clients against a real usergate server. No hand-written XML: every request goes through the client's
generated proxy, every answer is read through the client's API (fault details included).

- Dyn's 2.3.1 WSDL is loaded UNCHANGED from fixtures/third_party/Dynect-2.3.1.wsdl; only the endpoint is overridden
  (zeep: create_service, suds: location=, PHP: the `location` option). 2.3.1 has no BlockUser/UnblockUser.
- Our 3.x WSDL is loaded from the server (/wsdl/dynect.wsdl), as a client would.
- Every reply is checked against the schema of the WSDL the client uses (wsdl_schema.ReplyChecker).

Run: tests/interop/run.sh, or `python -m unittest -v test_dynect` from tests/interop with the venv active.
"""

import json
import shutil
import subprocess
import unittest
from urllib.parse import urlsplit

import suds
import zeep
from lxml import etree
from suds.cache import NoCache
from suds.client import Client as SudsClient
from zeep.exceptions import Fault as ZeepFault

from scenarios import as_list, field
from server import REPO_ROOT, usergate
from test_suds import RecordingTransport as SudsTransport
from test_suds import ReplyCheckPlugin as SudsReplyCheck
from test_zeep import RecordingTransport as ZeepTransport
from test_zeep import ReplyCheckPlugin as ZeepReplyCheck
from wsdl_schema import ReplyChecker

DYN231_WSDL = REPO_ROOT / "fixtures" / "third_party" / "Dynect-2.3.1.wsdl"
NS2 = "https://api2.dynect.net/wsdl/2.3.1/Dynect/"
NS3 = "https://api2.dynect.net/wsdl/3.7.16/Dynect/"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
CUSTOMER = "default"
OWNER_PASSWORD = "owner-dynect-pw-1"
PASSWORD = "user-dynect-pw-1"
NEW_PASSWORD = "user-dynect-pw-2"
PROFILE = {
    "nickname": "Dee",
    "first_name": "Dana",
    "last_name": "Dyn",
    "email": "dana@example.com",
    "organization": "Dyn Legacy",
    "phone": "+1 603 555 0199",
}

# Loading Dyn's 600 KB WSDL into xmlschema takes seconds: one checker per WSDL for the whole run.
_CHECKERS = {}


def checker(location, ns):
    if location not in _CHECKERS:
        _CHECKERS[location] = ReplyChecker(location, ns)
    return _CHECKERS[location]


def dynect_wsdl_url(base_url):
    """The served 3.x WSDL, beside the SOAP endpoint base_url (http://127.0.0.1:N/SOAP/)."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}/wsdl/dynect.wsdl"


class DynectCase(unittest.TestCase):
    """One server per test class, a client on a DynECT WSDL, an owner session, and the assertions."""

    NS = NS2

    @classmethod
    def setUpClass(cls):
        cls.base_url = cls.enterClassContext(usergate(OWNER_PASSWORD))
        cls.connect(cls.base_url)
        cls.owner_token = cls.login("owner", OWNER_PASSWORD)

    def tearDown(self):
        broken = self.replies.take()
        if broken:
            self.fail(f"{self.CLIENT}: replies that break the WSDL's schema:\n" + "\n".join(broken))

    @classmethod
    def login(cls, user_name, password):
        resp = cls.svc.SessionLogin(user_name=user_name, customer_name=CUSTOMER, password=password)
        if resp.status != "success":
            raise AssertionError(f"{cls.CLIENT}: SessionLogin({user_name}) answered {resp}")
        return resp.data.token

    @classmethod
    def uname(cls, suffix):
        return f"{cls.CLIENT}-{suffix}"

    def assert_success(self, resp, what):
        self.assertEqual(resp.status, "success", f"{what}: {resp}")
        self.assertIsInstance(resp.job_id, int, f"{what}: job_id")
        msgs = as_list(field(resp, "msgs"))
        self.assertTrue(msgs and msgs[0].lvl == "INFO", f"{what}: expected an INFO message, got {msgs}")
        self.assertEqual(self.transport.last_status, 200, f"{what}: HTTP status")

    def assert_error_msg(self, msgs, err_cd, info_prefix, where):
        msgs = as_list(msgs)
        self.assertTrue(msgs, f"{where}: no msgs")
        info = field(msgs[0], "info") or ""
        self.assertEqual(field(msgs[0], "err_cd"), err_cd, f"{where}: err_cd (info {info!r})")
        self.assertEqual(field(msgs[0], "lvl"), "ERROR", f"{where}: lvl")
        self.assertTrue(info.startswith(info_prefix), f"{where}: info {info!r} should start with {info_prefix!r}")

    def assert_fault(self, call, err_cd, info_prefix, **kwargs):
        """call(**kwargs) raises the client's fault (HTTP 500) whose detail/ErrorResponse carries err_cd."""
        where = f"{self.CLIENT} fault for {err_cd}"
        try:
            resp = call(**kwargs)
        except self.FAULT as exc:
            fault = exc
        else:
            self.fail(f"{where}: expected a fault, got {resp}")
        self.assertEqual(self.transport.last_status, 500, f"{where}: HTTP status")
        code, text = self.fault_text(fault)
        self.assertTrue(code.endswith("Server" if err_cd == "INTERNAL_ERROR" else "Client"), f"{where}: {code}")
        detail = self.fault_detail(fault, where)
        self.assertEqual(field(detail, "status"), "failure", f"{where}: ErrorResponse status")
        self.assertIsInstance(detail.job_id, int, f"{where}: ErrorResponse job_id")
        self.assert_error_msg(field(detail, "msgs"), err_cd, info_prefix, where)
        self.assertTrue(text.startswith(info_prefix), f"{where}: faultstring {text!r}")

    def assert_failure(self, call, err_cd, info_prefix, **kwargs):
        """call(fault_incompat=1, **kwargs) answers status=failure (HTTP 200) carrying err_cd."""
        where = f"{self.CLIENT} fault_incompat=1 failure for {err_cd}"
        try:
            resp = call(fault_incompat=1, **kwargs)
        except self.FAULT as exc:
            self.fail(f"{where}: got a fault instead: {self.fault_text(exc)}")
        self.assertEqual(self.transport.last_status, 200, f"{where}: HTTP status")
        self.assertEqual(resp.status, "failure", f"{where}: {resp}")
        self.assert_error_msg(field(resp, "msgs"), err_cd, info_prefix, where)
        return resp


class Dyn231Scenarios:
    """What a client generated from Dyn's 2.3.1 WSDL does: login, create, get, list, update, password, delete,
    logout, and failures both ways."""

    def test_lifecycle(self):
        name, renamed = self.uname("dyn2"), self.uname("dyn2-renamed")
        created = self.svc.CreateUser(
            token=self.owner_token, user_name=name, password=PASSWORD, roles="ADMIN,READONLY", **PROFILE
        )
        self.assert_success(created, "CreateUser")
        data = created.data
        self.assertEqual((data.user_name, data.roles, data.status), (name, "ADMIN,READONLY,DEFAULT", "active"))
        self.assertEqual(int(data.daan), 0, "daan")
        self.assertEqual(data.phone, PROFILE["phone"], "phone")

        got = self.svc.GetOneUser(token=self.owner_token, user_name=name)
        self.assert_success(got, "GetOneUser")
        for key, value in PROFILE.items():
            self.assertEqual(field(got.data, key), value, f"GetOneUser: {key}")

        listed = self.svc.GetUsers(token=self.owner_token)
        self.assert_success(listed, "GetUsers")
        names = [u.user_name for u in as_list(field(listed, "data"))]
        self.assertIn(name, names, "GetUsers")
        self.assertIn("owner", names, "GetUsers")

        updated = self.svc.UpdateUser(
            token=self.owner_token, user_name=name, newuser_name=renamed, roles="READONLY", city="Keene"
        )
        self.assert_success(updated, "UpdateUser")
        self.assertEqual((updated.data.user_name, updated.data.roles), (renamed, "READONLY,DEFAULT"))
        self.assertEqual(updated.data.city, "Keene", "UpdateUser: city")
        self.assert_fault(self.svc.GetOneUser, "NOT_FOUND", "user_name:", token=self.owner_token, user_name=name)

        # The user's own password: DynECT sends no old password, the token suffices.
        token = self.login(renamed, PASSWORD)
        self.assert_success(self.svc.SessionIsAlive(token=token), "SessionIsAlive")
        self.assert_success(self.svc.SessionKeepAlive(token=token), "SessionKeepAlive")
        changed = self.svc.UpdateUserPassword(token=token, password=NEW_PASSWORD)
        self.assert_success(changed, "UpdateUserPassword")
        self.assertEqual(changed.data.user_name, renamed)
        self.login(renamed, NEW_PASSWORD)

        self.assert_success(self.svc.DeleteOneUser(token=self.owner_token, user_name=renamed), "DeleteOneUser")
        self.assert_failure(self.svc.GetOneUser, "NOT_FOUND", "user_name:", token=self.owner_token, user_name=renamed)

        token = self.login("owner", OWNER_PASSWORD)
        self.assert_success(self.svc.SessionLogout(token=token), "SessionLogout")
        self.assert_fault(self.svc.SessionIsAlive, "INVALID_DATA", "login:", token=token)

    def test_failures_as_faults_and_as_status_failure(self):
        args = dict(token=self.owner_token, user_name="owner", password=PASSWORD, roles="", **PROFILE)
        self.assert_fault(self.svc.CreateUser, "TARGET_EXISTS", "user_name:", **args)
        resp = self.assert_failure(self.svc.CreateUser, "TARGET_EXISTS", "user_name:", **args)
        self.assertIsNone(field(resp, "data"), "a failure carries no user")
        bad = dict(user_name="owner", customer_name=CUSTOMER, password="wrong-password")
        self.assert_fault(self.svc.SessionLogin, "INVALID_DATA", "login:", **bad)
        self.assert_failure(self.svc.SessionLogin, "INVALID_DATA", "login:", **bad)


    def test_create_update_user(self):
        # Dyn's 2.3.1 WSDL has CreateUpdateUser only (nickname and password required, either may be empty).
        created = self.svc.CreateUpdateUser(token=self.owner_token, nickname="", password="")
        self.assert_success(created, "CreateUpdateUser")
        data = created.data
        self.assertTrue(data.user_name.startswith("ddns-"), f"generated name {data.user_name!r}")
        self.assertEqual(len(data.password), 20, "a generated password is answered")
        self.assertEqual((data.roles, data.status, int(data.daan)), ("UPDATE", "active", 0))
        chosen = self.svc.CreateUpdateUser(token=self.owner_token, nickname="router", password="dyn2-ddns-pass")
        self.assertEqual(chosen.data.password, "dyn2-ddns-pass")
        self.assert_fault(self.svc.SessionLogin, "INVALID_DATA", "login:", user_name=chosen.data.user_name,
                          customer_name=CUSTOMER, password="dyn2-ddns-pass")
        self.assert_failure(self.svc.CreateUpdateUser, "INVALID_DATA", "nickname: longer than 17",
                            token=self.owner_token, nickname="n" * 18, password="")

    def test_get_job_replays_an_earlier_call(self):
        name = self.uname("dyn2-job")
        created = self.svc.CreateUser(token=self.owner_token, user_name=name, password=PASSWORD, roles="", **PROFILE)
        self.assert_success(created, "CreateUser")
        job = self.svc.GetJob(token=self.owner_token, job_id=created.job_id)
        self.assert_success(job, "GetJob")
        self.assertEqual(job.job_id, created.job_id, "GetJob answers under the recorded job id")
        # data is xsd:anyType; its xsi:type="tns:UserData" lets the client read it as a user.
        self.assertEqual(field(job.data, "user_name"), name, f"GetJob data: {job.data}")
        self.assertEqual(field(job.data, "roles"), "DEFAULT", "GetJob data: roles")
        self.assert_fault(self.svc.GetJob, "NOT_FOUND", "job_id:", token=self.owner_token, job_id=999999)


class ZeepDyn231Test(Dyn231Scenarios, DynectCase):
    CLIENT = "zeep"
    FAULT = ZeepFault

    @classmethod
    def connect(cls, base_url):
        cls.replies = checker(str(DYN231_WSDL), NS2)
        cls.transport = ZeepTransport()
        cls.client = zeep.Client(str(DYN231_WSDL), transport=cls.transport, plugins=[ZeepReplyCheck(cls.replies)])
        # Only the endpoint changes: the WSDL says https://api2.dynect.net/SOAP/.
        cls.svc = cls.client.create_service(f"{{{NS2}}}DynectSOAP", base_url)

    def fault_text(self, fault):
        return fault.code or "", fault.message

    def fault_detail(self, fault, where):
        self.assertIsNotNone(fault.detail, f"{where}: no detail")
        found = fault.detail.find(f"{{{self.NS}}}ErrorResponse")
        self.assertIsNotNone(found, f"{where}: no ErrorResponse in {etree.tostring(fault.detail)!r}")
        prefix, _, local = found.get(XSI_TYPE, "").rpartition(":")
        self.assertEqual((found.nsmap.get(prefix or None), local), (self.NS, "ErrorResponseType"), f"{where}: xsi:type")
        return self.client.get_element(f"{{{self.NS}}}ErrorResponse").parse(found, self.client.wsdl.types)


class SudsDyn231Test(Dyn231Scenarios, DynectCase):
    CLIENT = "suds"
    FAULT = suds.WebFault

    @classmethod
    def connect(cls, base_url):
        cls.replies = checker(str(DYN231_WSDL), NS2)
        cls.transport = SudsTransport()
        cls.client = SudsClient(
            DYN231_WSDL.as_uri(),
            cache=NoCache(),
            transport=cls.transport,
            plugins=[SudsReplyCheck(cls.replies)],
            location=base_url,
        )
        cls.svc = cls.client.service

    def fault_text(self, exc):
        return exc.fault.faultcode, exc.fault.faultstring

    def fault_detail(self, exc, where):
        detail = field(field(exc.fault, "detail"), "ErrorResponse")
        self.assertIsNotNone(detail, f"{where}: no detail/ErrorResponse in {exc.fault}")
        self.assertTrue(str(detail.job_id).isdigit(), f"{where}: job_id {detail.job_id!r}")
        detail.job_id = int(detail.job_id)
        return detail


class ZeepDyn3Test(DynectCase):
    """zeep on our 3.x WSDL as the server serves it: block and unblock too, repeated group_name."""

    CLIENT = "zeep3"
    FAULT = ZeepFault
    NS = NS3
    fault_text = ZeepDyn231Test.fault_text
    fault_detail = ZeepDyn231Test.fault_detail

    @classmethod
    def connect(cls, base_url):
        url = dynect_wsdl_url(base_url)
        cls.replies = ReplyChecker(url, NS3)
        cls.transport = ZeepTransport()
        cls.client = zeep.Client(url, transport=cls.transport, plugins=[ZeepReplyCheck(cls.replies)])
        cls.svc = cls.client.service

    def test_lifecycle_with_block_and_unblock(self):
        name, renamed = self.uname("dyn3"), self.uname("dyn3-renamed")
        zone = self.client.get_type(f"{{{NS3}}}PermissionZone")
        created = self.svc.CreateUser(
            token=self.owner_token,
            user_name=name,
            password=PASSWORD,
            permission=["UserGet"],
            group_name=["ADMIN", "READONLY"],
            zone=[zone(zone_name="example.com", recurse="N")],
            **PROFILE,
        )
        self.assert_success(created, "CreateUser")
        self.assertEqual(created.data.group_name, ["ADMIN", "READONLY", "DEFAULT"])
        self.assertIsInstance(created.data.user_id, int, "user_id")

        got = self.svc.GetOneUser(token=self.owner_token, user_name=name)
        self.assert_success(got, "GetOneUser")
        self.assertEqual((got.data.user_id, got.data.email), (created.data.user_id, PROFILE["email"]))

        listed = self.svc.GetUsers(token=self.owner_token, search=name.upper())
        self.assertEqual([u.user_name for u in listed.data], [name], "GetUsers(search)")

        updated = self.svc.UpdateUser(
            token=self.owner_token, user_name=name, new_user_name=renamed, require_pw_change="N",
            group_name=["READONLY"], city="Keene",
        )
        self.assert_success(updated, "UpdateUser")
        self.assertEqual((updated.data.user_name, updated.data.group_name), (renamed, ["READONLY", "DEFAULT"]))

        blocked = self.svc.BlockUser(token=self.owner_token, user_name=renamed)
        self.assert_success(blocked, "BlockUser")
        self.assertEqual(blocked.data.status, "blocked")
        self.assert_fault(
            self.svc.SessionLogin, "INVALID_DATA", "login:", user_name=renamed, customer_name=CUSTOMER, password=PASSWORD
        )
        unblocked = self.svc.UnblockUser(token=self.owner_token, user_name=renamed)
        self.assertEqual(unblocked.data.status, "active")
        token = self.login(renamed, PASSWORD)
        self.assert_success(self.svc.UpdateUserPassword(token=token, password=NEW_PASSWORD), "UpdateUserPassword")
        self.assert_success(self.svc.SessionLogout(token=token), "SessionLogout")

        self.assert_success(self.svc.DeleteOneUser(token=self.owner_token, user_name=renamed), "DeleteOneUser")
        self.assert_fault(self.svc.BlockUser, "NOT_FOUND", "user_name:", token=self.owner_token, user_name=renamed)
        self.assert_failure(self.svc.UnblockUser, "NOT_FOUND", "user_name:", token=self.owner_token, user_name=renamed)


    def test_update_users(self):
        created = self.svc.CreateUpdateUser(token=self.owner_token, nickname="dyn3 router", password="dyn3-ddns-pass")
        self.assert_success(created, "CreateUpdateUser")
        name = created.data.user_name
        self.assertEqual((created.data.group_name, created.data.status), (["UPDATE"], "active"))
        listed = self.svc.GetUpdateUsers(token=self.owner_token)
        self.assert_success(listed, "GetUpdateUsers")
        mine = [u for u in listed.data if u.user_name == name]
        self.assertEqual(len(mine), 1)
        self.assertIsNone(mine[0].password, "the list never carries a password")
        rotated = self.svc.UpdateUpdateUser(token=self.owner_token, user_name=name, password="")
        self.assert_success(rotated, "UpdateUpdateUser")
        self.assertEqual(len(rotated.data.password), 20, "a generated password is answered once")
        got = self.svc.GetUpdateUserPassword(token=self.owner_token, user_name=name)
        self.assertEqual(got.data.password, rotated.data.password)
        self.assert_success(self.svc.DeleteOneUpdateUser(token=self.owner_token, user_name=name), "DeleteOneUpdateUser")
        self.assert_fault(self.svc.GetUpdateUserPassword, "NOT_FOUND", "user_name:", token=self.owner_token,
                          user_name=name)

    def test_access_lists_permission_report_and_job(self):
        name = self.uname("acl")
        created = self.svc.CreateUser(token=self.owner_token, user_name=name, password=PASSWORD, **PROFILE)
        self.assert_success(created, "CreateUser")
        zone = self.client.get_type(f"{{{NS3}}}PermissionZone")
        forbid = self.client.get_type(f"{{{NS3}}}PermissionData")
        r = self.svc.AddUserGroups(token=self.owner_token, user_name=name, group_name=["READONLY"])
        self.assert_success(r, "AddUserGroups")
        self.assertEqual(sorted(r.data.group_name), ["DEFAULT", "READONLY"])
        r = self.svc.SetUserZones(token=self.owner_token, user_name=name, zone=[zone(zone_name="example.com")])
        self.assert_success(r, "SetUserZones")
        r = self.svc.AddUserPermissions(token=self.owner_token, user_name=name, permission=["UserAdd"])
        self.assert_success(r, "AddUserPermissions")
        r = self.svc.AddUserForbids(token=self.owner_token, user_name=name, forbid=[forbid(name="UserGet")])
        self.assert_success(r, "AddUserForbids")
        self.assert_fault(self.svc.RemoveUserGroups, "ILLEGAL_OPERATION", "group_name:", token=self.owner_token,
                          user_name=name, group_name=["DEFAULT"])

        report = self.svc.GetUserPermissions(token=self.owner_token, user_name=name)
        self.assert_success(report, "GetUserPermissions")
        allowed = {p.name: p.reason for p in report.data.allowed}
        forbidden = {p.name for p in report.data.forbidden}
        self.assertEqual(allowed.get("UserAdd"), ["user"], f"granted to the user itself: {allowed}")
        self.assertIn("UserGet", forbidden, "forbids win over READONLY's UserGet")
        check = self.svc.CheckPermissions(token=self.owner_token, permission=["UserAdd", "UserDelete"])
        self.assert_success(check, "CheckPermissions")
        self.assertEqual(sorted(p.name for p in check.data.allowed), ["UserAdd", "UserDelete"], "the owner has all")

        job = self.svc.GetJob(token=self.owner_token, job_id=created.job_id)
        self.assert_success(job, "GetJob")
        self.assertEqual(job.data.user_name, name, f"GetJob data: {job.data}")


class PhpDyn231Test(unittest.TestCase):
    """PHP's SoapClient (SOAP 1.1) on Dyn's 2.3.1 WSDL, as Dyn's PHP users wrote it: tests/interop/dyn231/client.php
    runs the operations and prints what it read through SoapClient's objects as JSON; the assertions are here."""

    def test_php_soapclient_on_dyns_wsdl(self):
        php = shutil.which("php")
        self.assertIsNotNone(php, "php is not installed (.ci/run installs php-cli and php-soap)")
        script = REPO_ROOT / "tests" / "interop" / "dyn231" / "client.php"
        with usergate(OWNER_PASSWORD) as base_url:
            done = subprocess.run(
                [php, str(script), str(DYN231_WSDL), base_url, OWNER_PASSWORD],
                capture_output=True, text=True, timeout=120, check=False,
            )
        self.assertEqual(done.returncode, 0, f"client.php failed:\n{done.stdout}\n{done.stderr}")
        seen = json.loads(done.stdout)
        self.assertTrue(seen["login_token"], "SessionLogin: data->token")
        self.assertEqual(seen["login_version"], "2.3.1")
        self.assertEqual(seen["create"], {"status": "success", "user_name": "php-dyn2", "roles": "ADMIN,DEFAULT",
                                          "daan": 0, "email": "dana@example.com", "user_status": "active"})
        self.assertEqual(seen["get_nickname"], "Dee")
        self.assertIn("php-dyn2", seen["list"])
        self.assertIn("owner", seen["list"])
        self.assertEqual(seen["update"], {"status": "success", "user_name": "php-dyn2b", "city": "Keene"})
        self.assertEqual(seen["delete_status"], "success")
        self.assertEqual(seen["logout_status"], "success")
        # The fault's detail, read the way Dyn's PHP clients read it: $ex->detail->ErrorResponse->enc_value->msgs.
        self.assertEqual(seen["fault"]["faultcode"], "Client")
        self.assertEqual(seen["fault"]["status"], "failure")
        self.assertIsInstance(seen["fault"]["job_id"], int)
        self.assertEqual(seen["fault"]["err_cd"], "NOT_FOUND")
        self.assertTrue(seen["fault"]["info"].startswith("user_name:"), seen["fault"])
        self.assertEqual(seen["failure"], {"status": "failure", "err_cd": "INVALID_DATA",
                                           "info": "login: Bad or expired token"})
        self.assertEqual(seen["dead_token_fault_err_cd"], "INVALID_DATA")


if __name__ == "__main__":
    unittest.main()
