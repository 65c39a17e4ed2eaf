# tests/interop/test_zeep.py: owns the zeep interop tests (every operation, every err_cd in both fault modes).
"""zeep 4.3 against a real usergate server. No hand-written XML: every request goes through zeep's generated
service proxy and types, every answer is read through the WSDL's types (fault details included).

Run: tests/interop/run.sh, or `python -m unittest -v test_zeep` from tests/interop with the venv active.
"""

import datetime
import unittest

import zeep
import zeep.helpers
import zeep.xsd
from lxml import etree
from zeep.exceptions import Fault

from server import usergate
from wsdl_schema import ReplyChecker

NS = "urn:usergate:1"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
CUSTOMER = "default"
OWNER = "owner"
OWNER_PASSWORD = "owner-interop-pw-1"
PASSWORD = "user-interop-pw-1"
NEW_PASSWORD = "user-interop-pw-2"
# err_cd values answered with a Server fault; every other err_cd is the caller's (Client).
SERVER_ERR_CDS = {"OPERATION_FAILED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"}

REQUIRED_PROFILE = {
    "nickname": "Min",
    "first_name": "Minnie",
    "last_name": "Imal",
    "email": "minnie@example.com",
    "organization": "Interop Org",
}
FULL_PROFILE = {
    "nickname": "Ally",
    "first_name": "Alice",
    "middle_name": "Beth",
    "last_name": "Liddell",
    "display_name": "Alice L.",
    "phone": "+1 555 010 0123",
    "fax": "+1 555 010 0199",
    "email": "alice@example.com",
    "notify_email": "alerts@example.com",
    "pager_email": "pager@example.com",
    "address": "1 Rabbit Hole",
    "address_2": "Suite 2",
    "city": "Oxford",
    "state": "OX",
    "post_code": "OX1 1AA",
    "country": "GB",
    "website": "https://example.com/alice",
    "organization": "Wonderland Ltd",
    "notes": "created by the zeep interop test",
}


class RecordingTransport(zeep.Transport):
    """zeep's transport, remembering the HTTP status of the last SOAP reply (faults are 500, failures 200)."""

    last_status = None

    def post(self, address, message, headers):
        response = super().post(address, message, headers)
        self.last_status = response.status_code
        return response


class ReplyCheckPlugin(zeep.Plugin):
    """Hands every reply envelope to the WSDL schema checker before zeep reads it."""

    def __init__(self, checker):
        self.checker = checker

    def ingress(self, envelope, http_headers, operation):
        self.checker.check(envelope)
        return envelope, http_headers


class ZeepCase(unittest.TestCase):
    """One server per test class, a zeep client generated from its WSDL, and an owner session."""

    config = None

    @classmethod
    def setUpClass(cls):
        cls.base_url = cls.enterClassContext(usergate(OWNER_PASSWORD, cls.config))
        cls.transport = RecordingTransport()
        cls.replies = ReplyChecker(cls.base_url + "?wsdl")
        cls.client = zeep.Client(
            cls.base_url + "?wsdl", transport=cls.transport, plugins=[ReplyCheckPlugin(cls.replies)]
        )
        cls.svc = cls.client.service
        cls.Zone = cls.client.get_type(f"{{{NS}}}PermissionZone")
        cls.Forbid = cls.client.get_type(f"{{{NS}}}PermissionData")
        cls.owner_token = cls.login(OWNER, OWNER_PASSWORD)

    def tearDown(self):
        # Replies received since the last test (setUpClass's included) must match the WSDL.
        broken = self.replies.take()
        if broken:
            self.fail("replies that break the WSDL's schema:\n" + "\n".join(broken))

    # -- helpers -------------------------------------------------------------------------------------------------

    @classmethod
    def login(cls, user_name, password):
        resp = cls.svc.SessionLogin(user_name=user_name, customer_name=CUSTOMER, password=password)
        if resp.status != "success":
            raise AssertionError(f"SessionLogin({user_name}) answered {resp}")
        return resp.data.token

    @classmethod
    def create_user(cls, user_name, **fields):
        """CreateUser as the owner with the required profile, overridden/extended by `fields`."""
        args = dict(REQUIRED_PROFILE, **fields)
        resp = cls.svc.CreateUser(token=cls.owner_token, user_name=user_name, password=PASSWORD, **args)
        if resp.status != "success":
            raise AssertionError(f"CreateUser({user_name}) answered {resp}")
        return resp.data

    def assert_success(self, resp, what):
        self.assertEqual(resp.status, "success", f"{what}: expected status=success, got {resp}")
        self.assertIsInstance(resp.job_id, int, f"{what}: job_id")
        self.assertTrue(resp.msgs and resp.msgs[0].lvl == "INFO", f"{what}: expected an INFO message, got {resp.msgs}")

    def get_user(self, user_name):
        resp = self.svc.GetUser(token=self.owner_token, user_name=user_name)
        self.assert_success(resp, f"GetUser({user_name})")
        return resp.data

    def error_response(self, fault):
        """The fault's detail/ErrorResponse, read with the WSDL's ErrorResponse element."""
        self.assertIsNotNone(fault.detail, f"fault {fault.message!r} has no detail")
        found = fault.detail.find(f"{{{NS}}}ErrorResponse")
        self.assertIsNotNone(found, f"no tns:ErrorResponse in the detail: {etree.tostring(fault.detail)!r}")
        xsi_type = found.get(XSI_TYPE, "")
        prefix, _, local = xsi_type.rpartition(":")
        self.assertEqual(
            (found.nsmap.get(prefix or None), local), (NS, "ErrorResponseType"), f"xsi:type is {xsi_type!r}"
        )
        return self.client.get_element(f"{{{NS}}}ErrorResponse").parse(found, self.client.wsdl.types)

    def assert_error_msg(self, msgs, err_cd, info_prefix, where):
        self.assertTrue(msgs, f"{where}: no msgs")
        msg = msgs[0]
        self.assertEqual(msg.err_cd, err_cd, f"{where}: err_cd (info {msg.info!r})")
        self.assertEqual(msg.lvl, "ERROR", f"{where}: lvl")
        self.assertTrue(msg.source, f"{where}: source is empty")
        self.assertTrue(
            msg.info.startswith(info_prefix), f"{where}: info {msg.info!r} should start with {info_prefix!r}"
        )
        return msg

    def assert_fault(self, call, err_cd, info_prefix, **kwargs):
        """call(**kwargs) must raise a SOAP Fault (HTTP 500) carrying err_cd; returns the fault's message."""
        try:
            resp = call(**kwargs)
        except Fault as fault:
            where = f"fault for {err_cd}"
            self.assertEqual(self.transport.last_status, 500, f"{where}: HTTP status")
            code = "Server" if err_cd in SERVER_ERR_CDS else "Client"
            self.assertTrue(
                (fault.code or "").endswith(code), f"{where}: faultcode {fault.code!r} should end with {code}"
            )
            detail = self.error_response(fault)
            self.assertEqual(detail.status, "failure", f"{where}: ErrorResponse status")
            self.assertIsInstance(detail.job_id, int, f"{where}: ErrorResponse job_id")
            msg = self.assert_error_msg(detail.msgs, err_cd, info_prefix, where)
            self.assertEqual(fault.message, msg.info, f"{where}: faultstring should be the info")
            return msg
        self.fail(f"expected a {err_cd} fault, got a response: {resp}")

    def assert_failure(self, call, err_cd, info_prefix, **kwargs):
        """call(fault_incompat=1, **kwargs) must answer status=failure (HTTP 200) carrying err_cd."""
        where = f"fault_incompat=1 failure for {err_cd}"
        try:
            resp = call(fault_incompat=1, **kwargs)
        except Fault as fault:
            self.fail(f"{where}: got a fault instead: {fault.code} {fault.message!r}")
        self.assertEqual(self.transport.last_status, 200, f"{where}: HTTP status")
        self.assertEqual(resp.status, "failure", f"{where}: status (response {resp})")
        self.assertIsInstance(resp.job_id, int, f"{where}: job_id")
        return self.assert_error_msg(resp.msgs, err_cd, info_prefix, where)

    def assert_fails_both_ways(self, call, err_cd, info_prefix, **kwargs):
        with self.subTest(mode="SOAP Fault"):
            self.assert_fault(call, err_cd, info_prefix, **kwargs)
        with self.subTest(mode="fault_incompat=1"):
            self.assert_failure(call, err_cd, info_prefix, **kwargs)


class SessionTest(ZeepCase):
    def test_login_returns_token_and_version(self):
        resp = self.svc.SessionLogin(user_name=OWNER, customer_name=CUSTOMER, password=OWNER_PASSWORD)
        self.assert_success(resp, "SessionLogin")
        self.assertTrue(resp.data.token, "data.token is empty")
        self.assertTrue(resp.data.version, "data.version is empty")

    def test_keep_alive_and_is_alive_succeed_on_a_live_token(self):
        self.assert_success(self.svc.SessionKeepAlive(token=self.owner_token), "SessionKeepAlive")
        self.assert_success(self.svc.SessionIsAlive(token=self.owner_token), "SessionIsAlive")

    def test_logout_kills_the_token(self):
        token = self.login(OWNER, OWNER_PASSWORD)
        self.assert_success(self.svc.SessionIsAlive(token=token), "SessionIsAlive before logout")
        self.assert_success(self.svc.SessionLogout(token=token), "SessionLogout")
        self.assert_fault(self.svc.SessionIsAlive, "INVALID_DATA", "login:", token=token)
        self.assert_success(self.svc.SessionIsAlive(token=self.owner_token), "another session survives the logout")


class UserLifecycleTest(ZeepCase):
    def test_create_then_get_returns_every_field(self):
        zones = [self.Zone(zone_name="example.com", recurse="N"), self.Zone(zone_name="example.org")]
        forbids = [self.Forbid(name="RecordDelete", zone=[self.Zone(zone_name="example.com", recurse="Y")])]
        created = self.create_user(
            "zeep-full",
            permission=["ZoneGet", "RecordGet"],
            group_name=["ADMIN"],
            zone=zones,
            forbid=forbids,
            **FULL_PROFILE,
        )
        self.assertEqual(created.user_name, "zeep-full")
        got = self.get_user("zeep-full")
        for field, value in FULL_PROFILE.items():
            self.assertEqual(getattr(got, field), value, f"GetUser: {field}")
        self.assertEqual(got.user_name, "zeep-full")
        self.assertIsInstance(got.user_id, int)
        self.assertGreater(got.user_id, 0)
        self.assertTrue(got.uid, "uid is empty")
        self.assertEqual((got.user_id, got.uid), (created.user_id, created.uid), "CreateUser and GetUser ids")
        self.assertEqual(got.status, "active")
        self.assertEqual(got.version, 1)
        self.assertIs(got.active, True)
        self.assertIs(got.locked, False)
        self.assertIsInstance(got.created_at, datetime.datetime)
        self.assertIsNotNone(got.created_at.tzinfo, "created_at should carry Z")
        self.assertIn("DEFAULT", got.group_name)
        self.assertEqual(sorted(got.group_name), ["ADMIN", "DEFAULT"])
        self.assertEqual(got.permission, ["ZoneGet", "RecordGet"])
        self.assertEqual([(z.zone_name, z.recurse) for z in got.zone], [("example.com", "N"), ("example.org", "Y")])
        self.assertEqual(len(got.forbid), 1)
        self.assertEqual(got.forbid[0].name, "RecordDelete")
        self.assertEqual([(z.zone_name, z.recurse) for z in got.forbid[0].zone], [("example.com", "Y")])

    def test_get_users_is_ordered_by_user_name_and_searches_case_insensitively(self):
        for name in ("zeep-list-charlie", "zeep-list-alpha", "zeep-list-bravo"):
            self.create_user(name)
        resp = self.svc.GetUsers(token=self.owner_token)
        self.assert_success(resp, "GetUsers")
        names = [u.user_name for u in resp.data]
        self.assertIn(OWNER, names)
        self.assertEqual(names, sorted(names, key=str.lower), "GetUsers order")
        resp = self.svc.GetUsers(token=self.owner_token, search="ZEEP-LIST-")
        self.assert_success(resp, "GetUsers(search)")
        self.assertEqual(
            [u.user_name for u in resp.data], ["zeep-list-alpha", "zeep-list-bravo", "zeep-list-charlie"]
        )
        resp = self.svc.GetUsers(token=self.owner_token, search="List-BRAVO")
        self.assertEqual([u.user_name for u in resp.data], ["zeep-list-bravo"])

    def test_update_changes_only_the_given_field_and_bumps_version(self):
        self.create_user("zeep-patch", **FULL_PROFILE)
        before = zeep.helpers.serialize_object(self.get_user("zeep-patch"), dict)
        resp = self.svc.UpdateUser(token=self.owner_token, user_name="zeep-patch", city="Paris")
        self.assert_success(resp, "UpdateUser(city)")
        self.assertEqual(resp.data.city, "Paris")
        after = zeep.helpers.serialize_object(self.get_user("zeep-patch"), dict)
        self.assertEqual(after["city"], "Paris")
        self.assertEqual(after["version"], before["version"] + 1, "version")
        unchanged = {k for k in before.keys() | after.keys() if k not in ("city", "version", "updated_at")}
        self.assertEqual({k: after[k] for k in unchanged}, {k: before[k] for k in unchanged}, "other fields")

    def test_rename_keeps_ids_and_the_old_name_is_not_found(self):
        before = self.create_user("zeep-old-name")
        resp = self.svc.UpdateUser(token=self.owner_token, user_name="zeep-old-name", new_user_name="zeep-new-name")
        self.assert_success(resp, "UpdateUser(new_user_name)")
        after = self.get_user("zeep-new-name")
        self.assertEqual(after.user_name, "zeep-new-name")
        self.assertEqual((after.user_id, after.uid), (before.user_id, before.uid), "user_id and uid after rename")
        self.assertEqual(after.version, before.version + 1)
        self.assert_fault(
            self.svc.GetUser, "NOT_FOUND", "user_name:", token=self.owner_token, user_name="zeep-old-name"
        )

    def test_clear_optional_field_with_xsi_nil(self):
        self.create_user("zeep-nil", phone="+1 555 010 0123", fax="+1 555 010 0199")
        resp = self.svc.UpdateUser(token=self.owner_token, user_name="zeep-nil", phone=zeep.xsd.Nil)
        self.assert_success(resp, "UpdateUser(phone=xsi:nil)")
        got = self.get_user("zeep-nil")
        self.assertIsNone(got.phone, "phone after xsi:nil")
        self.assertEqual(got.fax, "+1 555 010 0199", "fax must be unchanged")
        self.assertEqual(got.version, 2)

    def test_clear_optional_field_with_empty_string(self):
        self.create_user("zeep-empty", phone="+1 555 010 0123", fax="+1 555 010 0199")
        resp = self.svc.UpdateUser(token=self.owner_token, user_name="zeep-empty", fax="")
        self.assert_success(resp, "UpdateUser(fax='')")
        got = self.get_user("zeep-empty")
        self.assertIsNone(got.fax, "fax after an empty element")
        self.assertEqual(got.phone, "+1 555 010 0123", "phone must be unchanged")

    def test_block_stops_login_and_kills_the_users_tokens(self):
        self.create_user("zeep-block")
        token = self.login("zeep-block", PASSWORD)
        resp = self.svc.BlockUser(token=self.owner_token, user_name="zeep-block")
        self.assert_success(resp, "BlockUser")
        self.assertEqual(resp.data.status, "blocked")
        self.assertEqual(self.get_user("zeep-block").status, "blocked")
        login = dict(user_name="zeep-block", customer_name=CUSTOMER, password=PASSWORD)
        msg = self.assert_fault(self.svc.SessionLogin, "INVALID_DATA", "login:", **login)
        self.assertEqual(msg.info, "login: Bad or expired credentials")
        self.assert_fault(self.svc.SessionIsAlive, "INVALID_DATA", "login:", token=token)

    def test_blocked_login_with_fault_incompat_answers_failure(self):
        self.create_user("zeep-block-incompat")
        self.assert_success(self.svc.BlockUser(token=self.owner_token, user_name="zeep-block-incompat"), "BlockUser")
        login = dict(user_name="zeep-block-incompat", customer_name=CUSTOMER, password=PASSWORD)
        msg = self.assert_failure(self.svc.SessionLogin, "INVALID_DATA", "login:", **login)
        self.assertEqual(msg.info, "login: Bad or expired credentials")

    def test_unblock_lets_the_user_log_in_again(self):
        self.create_user("zeep-unblock")
        self.assert_success(self.svc.BlockUser(token=self.owner_token, user_name="zeep-unblock"), "BlockUser")
        resp = self.svc.UnblockUser(token=self.owner_token, user_name="zeep-unblock")
        self.assert_success(resp, "UnblockUser")
        self.assertEqual(resp.data.status, "active")
        token = self.login("zeep-unblock", PASSWORD)
        self.assert_success(self.svc.SessionIsAlive(token=token), "SessionIsAlive after unblock")

    def test_update_user_password_ends_the_other_sessions(self):
        self.create_user("zeep-pw")
        mine = self.login("zeep-pw", PASSWORD)
        other = self.login("zeep-pw", PASSWORD)
        resp = self.svc.UpdateUserPassword(token=mine, old_password=PASSWORD, password=NEW_PASSWORD)
        self.assert_success(resp, "UpdateUserPassword")
        self.assert_success(self.svc.SessionIsAlive(token=mine), "the caller's own session survives")
        self.assert_fault(self.svc.SessionIsAlive, "INVALID_DATA", "login:", token=other)
        self.login("zeep-pw", NEW_PASSWORD)
        login = dict(user_name="zeep-pw", customer_name=CUSTOMER, password=PASSWORD)
        self.assert_fault(self.svc.SessionLogin, "INVALID_DATA", "login:", **login)

    def test_delete_then_get_is_not_found(self):
        self.create_user("zeep-delete")
        self.assert_success(self.svc.DeleteUser(token=self.owner_token, user_name="zeep-delete"), "DeleteUser")
        self.assert_fault(self.svc.GetUser, "NOT_FOUND", "user_name:", token=self.owner_token, user_name="zeep-delete")


class ErrCodeTest(ZeepCase):
    """One failure per err_cd, each as a SOAP Fault and as a fault_incompat=1 status=failure response."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_user("zeep-exists")
        cls.create_user("zeep-readonly", group_name=["READONLY"])
        cls.readonly_token = cls.login("zeep-readonly", PASSWORD)

    def create(self, **kwargs):
        args = dict(REQUIRED_PROFILE, token=self.owner_token, user_name="zeep-never", password=PASSWORD)
        args.update(kwargs)
        return self.svc.CreateUser(**args)

    def test_missing_data_required_element_empty(self):
        self.assert_fails_both_ways(self.create, "MISSING_DATA", "nickname: required", nickname="")

    def test_missing_data_required_element_skipped(self):
        self.assert_fails_both_ways(self.create, "MISSING_DATA", "nickname: required", nickname=zeep.xsd.SkipValue)

    def test_missing_data_clearing_a_required_field(self):
        self.assert_fails_both_ways(
            self.svc.UpdateUser, "MISSING_DATA", "email: required", token=self.owner_token, user_name="zeep-exists",
            email="",
        )

    def test_invalid_data_bad_email(self):
        self.assert_fails_both_ways(self.create, "INVALID_DATA", "email: not a valid address", email="not-an-address")

    def test_invalid_data_unknown_group(self):
        self.assert_fails_both_ways(self.create, "INVALID_DATA", "group_name:", group_name=["WIZARDS"])

    def test_invalid_data_dead_token(self):
        self.assert_fails_both_ways(
            self.svc.GetUser, "INVALID_DATA", "login:", token="not-a-live-token", user_name="zeep-exists"
        )

    def test_not_found(self):
        self.assert_fails_both_ways(
            self.svc.GetUser, "NOT_FOUND", "user_name:", token=self.owner_token, user_name="zeep-nobody"
        )

    def test_target_exists_in_any_case(self):
        self.assert_fails_both_ways(self.create, "TARGET_EXISTS", "user_name:", user_name="ZEEP-Exists")

    def test_permission_denied_for_readonly_create(self):
        self.assert_fails_both_ways(
            self.create, "PERMISSION_DENIED", "permission:", token=self.readonly_token, user_name="zeep-by-readonly"
        )

    def test_illegal_operation_owner_blocks_itself(self):
        self.assert_fails_both_ways(
            self.svc.BlockUser, "ILLEGAL_OPERATION", "user_name:", token=self.owner_token, user_name=OWNER
        )

    def test_illegal_operation_owner_deletes_itself(self):
        self.assert_fails_both_ways(
            self.svc.DeleteUser, "ILLEGAL_OPERATION", "user_name:", token=self.owner_token, user_name=OWNER
        )


class SearchLimitTest(ZeepCase):
    """OPERATION_FAILED: GetUsers matching more users than search_limit."""

    config = {"search_limit": 3}

    def test_operation_failed_when_search_matches_too_many(self):
        for i in range(4):
            self.create_user(f"zeep-many-{i}")
        self.assert_fails_both_ways(self.svc.GetUsers, "OPERATION_FAILED", "search:", token=self.owner_token)
        resp = self.svc.GetUsers(token=self.owner_token, search="zeep-many-1")
        self.assert_success(resp, "GetUsers under the limit")
        self.assertEqual([u.user_name for u in resp.data], ["zeep-many-1"])


if __name__ == "__main__":
    unittest.main()
