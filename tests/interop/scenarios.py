# tests/interop/scenarios.py: owns the client-independent interop scenarios and assertions (test_zeep, test_suds).
"""Every scenario of the real-client interop tests, written once against a small client adapter.

A client module (test_zeep, test_suds) subclasses `InteropCase` once, filling in the adapter below, and then
declares one test class per scenario group, scenario mixin first:

    class SessionTest(scenarios.SessionScenarios, ZeepCase): ...

so each test is reported under its client, e.g. `test_suds.SessionTest.test_logout_kills_the_token`.

The adapter a client case provides:
    CLIENT          "zeep" / "suds": prefixes the user names its tests create and labels its messages
    FAULT           the exception class the client raises for a SOAP Fault
    NIL             the value the client sends as xsi:nil; NIL_SPELLING says how it is written in that client
    connect(wsdl_url, replies)   classmethod: builds the client from the live WSDL and sets cls.client, cls.svc (its
                    operations, called with keyword arguments) and cls.transport (.last_status: HTTP status of the
                    last reply); every reply envelope must go to replies.check (a wsdl_schema.ReplyChecker)
    zone(zone_name, recurse=None), forbid(name, zones)   the WSDL's PermissionZone and PermissionData values
    as_dict(reply)                 a reply object as plain dicts and lists
    fault_text(exc)                the fault's (faultcode, faultstring)
    fault_detail(exc, where)       the fault's detail/ErrorResponse, job_id as an int; client-specific checks on the way
"""

import datetime
import unittest

from server import usergate
from wsdl_schema import ReplyChecker

CUSTOMER = "default"
OWNER = "owner"
OWNER_PASSWORD = "owner-interop-pw-1"
PASSWORD = "user-interop-pw-1"
NEW_PASSWORD = "user-interop-pw-2"
BAD_CREDENTIALS = "login: Bad or expired credentials"
PHONE = "+1 555 010 0123"
FAX = "+1 555 010 0199"
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
    "phone": PHONE,
    "fax": FAX,
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
}


def full_profile(client):
    """Every optional profile field set; the notes name the client that created the user."""
    return dict(FULL_PROFILE, notes=f"created by the {client} interop test")


def field(obj, name):
    """An element of a reply object; None when the element was absent (suds leaves absent elements out)."""
    return getattr(obj, name, None)


def as_list(value):
    """A repeated element as a list (suds's untyped fault detail holds a single one as a bare value)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def user_names(resp):
    return [u.user_name for u in as_list(field(resp, "data"))]


class InteropCase(unittest.TestCase):
    """One server per test class, the client built from its WSDL, an owner session, and the shared assertions."""

    config = None  # top-level server settings for this class's server, e.g. {"search_limit": 3}

    @classmethod
    def setUpClass(cls):
        cls.base_url = cls.enterClassContext(usergate(OWNER_PASSWORD, cls.config))
        cls.replies = ReplyChecker(cls.base_url + "?wsdl")
        cls.connect(cls.base_url + "?wsdl", cls.replies)
        cls.owner_token = cls.login(OWNER, OWNER_PASSWORD)

    def tearDown(self):
        # Replies received since the last test (setUpClass's included) must match the WSDL.
        broken = self.replies.take()
        if broken:
            self.fail(f"{self.CLIENT}: replies that break the WSDL's schema:\n" + "\n".join(broken))

    # -- helpers -------------------------------------------------------------------------------------------------

    @classmethod
    def uname(cls, suffix):
        """A user name owned by this client's tests, e.g. zeep-full."""
        return f"{cls.CLIENT}-{suffix}"

    @classmethod
    def login(cls, user_name, password):
        resp = cls.svc.SessionLogin(user_name=user_name, customer_name=CUSTOMER, password=password)
        if resp.status != "success":
            raise AssertionError(f"{cls.CLIENT}: SessionLogin({user_name}) answered {resp}")
        return resp.data.token

    @classmethod
    def create_user(cls, user_name, **fields):
        """CreateUser as the owner with the required profile, overridden/extended by `fields`."""
        args = dict(REQUIRED_PROFILE, **fields)
        resp = cls.svc.CreateUser(token=cls.owner_token, user_name=user_name, password=PASSWORD, **args)
        if resp.status != "success":
            raise AssertionError(f"{cls.CLIENT}: CreateUser({user_name}) answered {resp}")
        return resp.data

    def get_user(self, user_name):
        resp = self.svc.GetUser(token=self.owner_token, user_name=user_name)
        self.assert_success(resp, f"GetUser({user_name})")
        return resp.data

    def login_args(self, user_name, password=PASSWORD):
        return dict(user_name=user_name, customer_name=CUSTOMER, password=password)

    # -- assertions ----------------------------------------------------------------------------------------------

    def assert_success(self, resp, what):
        self.assertEqual(resp.status, "success", f"{what}: expected status=success, got {resp}")
        self.assertIsInstance(resp.job_id, int, f"{what}: job_id")
        msgs = as_list(field(resp, "msgs"))
        self.assertTrue(msgs and msgs[0].lvl == "INFO", f"{what}: expected an INFO message, got {msgs}")

    def assert_error_msg(self, msgs, err_cd, info_prefix, where):
        msgs = as_list(msgs)
        self.assertTrue(msgs, f"{where}: no msgs")
        msg = msgs[0]
        info = field(msg, "info") or ""
        self.assertEqual(field(msg, "err_cd"), err_cd, f"{where}: err_cd (info {info!r})")
        self.assertEqual(field(msg, "lvl"), "ERROR", f"{where}: lvl")
        self.assertTrue(field(msg, "source"), f"{where}: source is empty")
        self.assertTrue(info.startswith(info_prefix), f"{where}: info {info!r} should start with {info_prefix!r}")
        return msg

    def assert_fault(self, call, err_cd, info_prefix, **kwargs):
        """call(**kwargs) must raise the client's SOAP Fault (HTTP 500) carrying err_cd; returns the fault's message."""
        try:
            resp = call(**kwargs)
        except self.FAULT as exc:
            fault = exc
        else:
            self.fail(f"{self.CLIENT}: expected a {err_cd} fault, got a response: {resp}")
        return self.check_fault(fault, err_cd, info_prefix)

    def check_fault(self, fault, err_cd, info_prefix):
        where = f"{self.CLIENT} fault for {err_cd}"
        self.assertEqual(self.transport.last_status, 500, f"{where}: HTTP status")
        faultcode, faultstring = self.fault_text(fault)
        code = "Server" if err_cd in SERVER_ERR_CDS else "Client"
        self.assertTrue(faultcode.endswith(code), f"{where}: faultcode {faultcode!r} should end with {code}")
        detail = self.fault_detail(fault, where)
        self.assertEqual(detail.status, "failure", f"{where}: ErrorResponse status")
        self.assertIsInstance(detail.job_id, int, f"{where}: ErrorResponse job_id")
        msg = self.assert_error_msg(field(detail, "msgs"), err_cd, info_prefix, where)
        self.assertEqual(faultstring, field(msg, "info"), f"{where}: faultstring should be the info")
        return msg

    def assert_failure(self, call, err_cd, info_prefix, **kwargs):
        """call(fault_incompat=1, **kwargs) must answer status=failure (HTTP 200) carrying err_cd."""
        where = f"{self.CLIENT} fault_incompat=1 failure for {err_cd}"
        try:
            resp = call(fault_incompat=1, **kwargs)
        except self.FAULT as exc:
            self.fail(f"{where}: got a fault instead: %s %r" % self.fault_text(exc))
        self.assertEqual(self.transport.last_status, 200, f"{where}: HTTP status")
        self.assertEqual(resp.status, "failure", f"{where}: status (response {resp})")
        self.assertIsInstance(resp.job_id, int, f"{where}: job_id")
        return self.assert_error_msg(field(resp, "msgs"), err_cd, info_prefix, where)

    def assert_fails_both_ways(self, call, err_cd, info_prefix, **kwargs):
        with self.subTest(mode="SOAP Fault"):
            self.assert_fault(call, err_cd, info_prefix, **kwargs)
        with self.subTest(mode="fault_incompat=1"):
            self.assert_failure(call, err_cd, info_prefix, **kwargs)


class SessionScenarios:
    def test_login_returns_token_and_version(self):
        resp = self.svc.SessionLogin(**self.login_args(OWNER, OWNER_PASSWORD))
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


class UserLifecycleScenarios:
    def test_create_then_get_returns_every_field(self):
        name, profile = self.uname("full"), full_profile(self.CLIENT)
        zones = [self.zone("example.com", "N"), self.zone("example.org")]
        forbids = [self.forbid("RecordDelete", [self.zone("example.com", "Y")])]
        created = self.create_user(
            name, permission=["ZoneGet", "RecordGet"], group_name=["ADMIN"], zone=zones, forbid=forbids, **profile
        )
        self.assertEqual(created.user_name, name, "CreateUser: user_name")
        got = self.get_user(name)
        for key, value in profile.items():
            self.assertEqual(field(got, key), value, f"GetUser: {key}")
        self.assertEqual(got.user_name, name, "GetUser: user_name")
        self.assertEqual((got.user_id, got.uid), (created.user_id, created.uid), "CreateUser and GetUser ids")
        self.assert_new_user_state(got)
        self.assert_created_permissions(got)

    def assert_new_user_state(self, got):
        self.assertIsInstance(got.user_id, int, "user_id")
        self.assertGreater(got.user_id, 0, "user_id")
        self.assertTrue(got.uid, "uid is empty")
        self.assertEqual(got.status, "active", "status")
        self.assertEqual(got.version, 1, "version")
        self.assertIs(got.active, True, "active")
        self.assertIs(got.locked, False, "locked")
        self.assertIsInstance(got.created_at, datetime.datetime, "created_at")
        self.assertIsNotNone(got.created_at.tzinfo, "created_at should carry Z")

    def assert_created_permissions(self, got):
        self.assertIn("DEFAULT", got.group_name, "group_name")
        self.assertEqual(sorted(got.group_name), ["ADMIN", "DEFAULT"], "group_name")
        self.assertEqual(got.permission, ["ZoneGet", "RecordGet"], "permission")
        zones = [(z.zone_name, z.recurse) for z in got.zone]
        self.assertEqual(zones, [("example.com", "N"), ("example.org", "Y")], "zone")
        self.assertEqual(len(got.forbid), 1, "forbid")
        self.assertEqual(got.forbid[0].name, "RecordDelete", "forbid name")
        zones = [(z.zone_name, z.recurse) for z in got.forbid[0].zone]
        self.assertEqual(zones, [("example.com", "Y")], "forbid zone")

    def test_get_users_is_ordered_by_user_name_and_searches_case_insensitively(self):
        for suffix in ("list-charlie", "list-alpha", "list-bravo"):
            self.create_user(self.uname(suffix))
        resp = self.svc.GetUsers(token=self.owner_token)
        self.assert_success(resp, "GetUsers")
        names = user_names(resp)
        self.assertIn(OWNER, names, "GetUsers")
        self.assertEqual(names, sorted(names, key=str.lower), "GetUsers order")
        resp = self.svc.GetUsers(token=self.owner_token, search=self.uname("list-").upper())
        self.assert_success(resp, "GetUsers(search)")
        listed = [self.uname(f"list-{n}") for n in ("alpha", "bravo", "charlie")]
        self.assertEqual(user_names(resp), listed, "GetUsers(search) in upper case")
        resp = self.svc.GetUsers(token=self.owner_token, search="List-BRAVO")
        self.assertEqual(user_names(resp), [self.uname("list-bravo")], "GetUsers(search) in mixed case")

    def test_update_changes_only_the_given_field_and_bumps_version(self):
        name = self.uname("patch")
        self.create_user(name, **full_profile(self.CLIENT))
        before = self.as_dict(self.get_user(name))
        resp = self.svc.UpdateUser(token=self.owner_token, user_name=name, city="Paris")
        self.assert_success(resp, "UpdateUser(city)")
        self.assertEqual(resp.data.city, "Paris", "UpdateUser reply: city")
        after = self.as_dict(self.get_user(name))
        self.assertEqual(after["city"], "Paris", "GetUser: city")
        self.assertEqual(after["version"], before["version"] + 1, "version")
        unchanged = {k for k in before.keys() | after.keys() if k not in ("city", "version", "updated_at")}
        self.assertEqual({k: after.get(k) for k in unchanged}, {k: before.get(k) for k in unchanged}, "other fields")

    def test_rename_keeps_ids_and_the_old_name_is_not_found(self):
        old, new = self.uname("old-name"), self.uname("new-name")
        before = self.create_user(old)
        resp = self.svc.UpdateUser(token=self.owner_token, user_name=old, new_user_name=new)
        self.assert_success(resp, "UpdateUser(new_user_name)")
        after = self.get_user(new)
        self.assertEqual(after.user_name, new, "user_name after rename")
        self.assertEqual((after.user_id, after.uid), (before.user_id, before.uid), "user_id and uid after rename")
        self.assertEqual(after.version, before.version + 1, "version after rename")
        self.assert_fault(self.svc.GetUser, "NOT_FOUND", "user_name:", token=self.owner_token, user_name=old)

    def test_clear_optional_field_with_xsi_nil(self):
        self.assert_clears("nil", "phone", self.NIL, f"phone={self.NIL_SPELLING}", kept=("fax", FAX))

    def test_clear_optional_field_with_empty_string(self):
        self.assert_clears("empty", "fax", "", "fax=''", kept=("phone", PHONE))

    def assert_clears(self, suffix, cleared, value, how, kept):
        """UpdateUser(cleared=value) must clear that field only, and bump the version."""
        name = self.uname(suffix)
        self.create_user(name, phone=PHONE, fax=FAX)
        resp = self.svc.UpdateUser(token=self.owner_token, user_name=name, **{cleared: value})
        self.assert_success(resp, f"UpdateUser({how})")
        got = self.get_user(name)
        self.assertIsNone(field(got, cleared), f"{cleared} after UpdateUser({how})")
        self.assertEqual(field(got, kept[0]), kept[1], f"{kept[0]} must be unchanged by UpdateUser({how})")
        self.assertEqual(got.version, 2, f"version after UpdateUser({how})")

    def test_block_stops_login_and_kills_the_users_tokens(self):
        name = self.uname("block")
        self.create_user(name)
        token = self.login(name, PASSWORD)
        resp = self.svc.BlockUser(token=self.owner_token, user_name=name)
        self.assert_success(resp, "BlockUser")
        self.assertEqual(resp.data.status, "blocked", "BlockUser reply: status")
        self.assertEqual(self.get_user(name).status, "blocked", "GetUser: status")
        msg = self.assert_fault(self.svc.SessionLogin, "INVALID_DATA", "login:", **self.login_args(name))
        self.assertEqual(field(msg, "info"), BAD_CREDENTIALS, "blocked login: info")
        self.assert_fault(self.svc.SessionIsAlive, "INVALID_DATA", "login:", token=token)

    def test_blocked_login_with_fault_incompat_answers_failure(self):
        name = self.uname("block-incompat")
        self.create_user(name)
        self.assert_success(self.svc.BlockUser(token=self.owner_token, user_name=name), "BlockUser")
        msg = self.assert_failure(self.svc.SessionLogin, "INVALID_DATA", "login:", **self.login_args(name))
        self.assertEqual(field(msg, "info"), BAD_CREDENTIALS, "blocked login: info")

    def test_unblock_lets_the_user_log_in_again(self):
        name = self.uname("unblock")
        self.create_user(name)
        self.assert_success(self.svc.BlockUser(token=self.owner_token, user_name=name), "BlockUser")
        resp = self.svc.UnblockUser(token=self.owner_token, user_name=name)
        self.assert_success(resp, "UnblockUser")
        self.assertEqual(resp.data.status, "active", "UnblockUser reply: status")
        token = self.login(name, PASSWORD)
        self.assert_success(self.svc.SessionIsAlive(token=token), "SessionIsAlive after unblock")

    def test_update_user_password_ends_the_other_sessions(self):
        name = self.uname("pw")
        self.create_user(name)
        mine, other = self.login(name, PASSWORD), self.login(name, PASSWORD)
        resp = self.svc.UpdateUserPassword(token=mine, old_password=PASSWORD, password=NEW_PASSWORD)
        self.assert_success(resp, "UpdateUserPassword")
        self.assert_success(self.svc.SessionIsAlive(token=mine), "the caller's own session survives")
        self.assert_fault(self.svc.SessionIsAlive, "INVALID_DATA", "login:", token=other)
        self.login(name, NEW_PASSWORD)
        self.assert_fault(self.svc.SessionLogin, "INVALID_DATA", "login:", **self.login_args(name))

    def test_delete_then_get_is_not_found(self):
        name = self.uname("delete")
        self.create_user(name)
        self.assert_success(self.svc.DeleteUser(token=self.owner_token, user_name=name), "DeleteUser")
        self.assert_fault(self.svc.GetUser, "NOT_FOUND", "user_name:", token=self.owner_token, user_name=name)


class ErrCodeScenarios:
    """One failure per err_cd, each as a SOAP Fault and as a fault_incompat=1 status=failure response."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.create_user(cls.uname("exists"))
        cls.create_user(cls.uname("readonly"), group_name=["READONLY"])
        cls.readonly_token = cls.login(cls.uname("readonly"), PASSWORD)

    def create(self, **kwargs):
        """CreateUser of a new user with the required profile, overridden by kwargs; a None value is left out."""
        args = dict(REQUIRED_PROFILE, token=self.owner_token, user_name=self.uname("never"), password=PASSWORD)
        args.update(kwargs)
        return self.svc.CreateUser(**{k: v for k, v in args.items() if v is not None})

    def test_missing_data_required_element_empty(self):
        self.assert_fails_both_ways(self.create, "MISSING_DATA", "nickname: required", nickname="")

    def test_missing_data_clearing_a_required_field(self):
        self.assert_fails_both_ways(
            self.svc.UpdateUser, "MISSING_DATA", "email: required",
            token=self.owner_token, user_name=self.uname("exists"), email="",
        )

    def test_invalid_data_bad_email(self):
        self.assert_fails_both_ways(self.create, "INVALID_DATA", "email: not a valid address", email="not-an-address")

    def test_invalid_data_unknown_group(self):
        self.assert_fails_both_ways(self.create, "INVALID_DATA", "group_name:", group_name=["WIZARDS"])

    def test_invalid_data_dead_token(self):
        self.assert_fails_both_ways(
            self.svc.GetUser, "INVALID_DATA", "login:", token="not-a-live-token", user_name=self.uname("exists")
        )

    def test_not_found(self):
        self.assert_fails_both_ways(
            self.svc.GetUser, "NOT_FOUND", "user_name:", token=self.owner_token, user_name=self.uname("nobody")
        )

    def test_target_exists_in_any_case(self):
        name = f"{self.CLIENT.upper()}-Exists"
        self.assert_fails_both_ways(self.create, "TARGET_EXISTS", "user_name:", user_name=name)

    def test_permission_denied_for_readonly_create(self):
        self.assert_fails_both_ways(
            self.create, "PERMISSION_DENIED", "permission:",
            token=self.readonly_token, user_name=self.uname("by-readonly"),
        )

    def test_illegal_operation_owner_blocks_itself(self):
        self.assert_fails_both_ways(
            self.svc.BlockUser, "ILLEGAL_OPERATION", "user_name:", token=self.owner_token, user_name=OWNER
        )

    def test_illegal_operation_owner_deletes_itself(self):
        self.assert_fails_both_ways(
            self.svc.DeleteUser, "ILLEGAL_OPERATION", "user_name:", token=self.owner_token, user_name=OWNER
        )


class SearchLimitScenarios:
    """OPERATION_FAILED: GetUsers matching more users than search_limit."""

    config = {"search_limit": 3}

    def test_operation_failed_when_search_matches_too_many(self):
        for i in range(4):
            self.create_user(self.uname(f"many-{i}"))
        self.assert_fails_both_ways(self.svc.GetUsers, "OPERATION_FAILED", "search:", token=self.owner_token)
        resp = self.svc.GetUsers(token=self.owner_token, search=self.uname("many-1"))
        self.assert_success(resp, "GetUsers under the limit")
        self.assertEqual(user_names(resp), [self.uname("many-1")], "GetUsers under the limit")


class AccessScenarios:
    """The access-list operations, the permission report, CheckPermissions and GetJob, through the client's types."""

    def names(self, entries):
        return [e.name for e in as_list(entries)]

    def test_access_lists_add_set_remove(self):
        name = self.uname("lists")
        self.create_user(name)
        resp = self.svc.AddUserGroups(token=self.owner_token, user_name=name, group_name=["ADMIN", "READONLY"])
        self.assert_success(resp, "AddUserGroups")
        self.assertEqual(as_list(resp.data.group_name), ["DEFAULT", "ADMIN", "READONLY"], "AddUserGroups reply")
        resp = self.svc.RemoveUserGroups(token=self.owner_token, user_name=name, group_name=["READONLY"])
        self.assertEqual(as_list(resp.data.group_name), ["DEFAULT", "ADMIN"], "RemoveUserGroups reply")
        resp = self.svc.AddUserZones(token=self.owner_token, user_name=name, zone=[self.zone("example.org", "N")])
        self.assert_success(resp, "AddUserZones")
        resp = self.svc.SetUserPermissions(token=self.owner_token, user_name=name, permission=["ZoneGet", "RecordGet"])
        self.assertEqual(as_list(resp.data.permission), ["ZoneGet", "RecordGet"], "SetUserPermissions reply")
        forbid = self.forbid("RecordAdd", [self.zone("lab.example.org")])
        self.assert_success(self.svc.AddUserForbids(token=self.owner_token, user_name=name, forbid=[forbid]), "AddUserForbids")
        got = self.get_user(name)
        self.assertEqual([(z.zone_name, z.recurse) for z in as_list(got.zone)], [("example.org", "N")], "zone")
        self.assertEqual(self.names(got.forbid), ["RecordAdd"], "forbid")
        self.assertEqual(got.version, 6, "each change bumps the version")
        resp = self.svc.SetUserPermissions(token=self.owner_token, user_name=name)
        self.assertEqual(as_list(field(resp.data, "permission")), [], "SetUserPermissions() empties the list")

    def test_access_list_failures(self):
        self.assert_fails_both_ways(
            self.svc.AddUserGroups, "INVALID_DATA", "group_name: unknown group WIZARD",
            token=self.owner_token, user_name=OWNER, group_name=["WIZARD"],
        )
        self.assert_fails_both_ways(
            self.svc.RemoveUserGroups, "ILLEGAL_OPERATION", "group_name:",
            token=self.owner_token, user_name=OWNER, group_name=["OWNER"],
        )

    def test_permission_report_and_check(self):
        name = self.uname("report")
        self.create_user(name, group_name=["READONLY"], permission=["RecordAdd"], zone=[self.zone("example.org")])
        resp = self.svc.GetUserPermissions(token=self.owner_token, user_name=name)
        self.assert_success(resp, "GetUserPermissions")
        self.assertIs(resp.data.admin_override, False, "admin_override")
        allowed = {e.name: as_list(e.reason) for e in as_list(resp.data.allowed)}
        self.assertEqual(allowed["UserGet"], ["READONLY"], "UserGet reason")
        self.assertEqual(allowed["RecordAdd"], ["user"], "RecordAdd reason")
        self.assertNotIn("UserAdd", allowed)
        token = self.login(name, PASSWORD)
        resp = self.svc.CheckPermissions(token=token, permission=["RecordAdd", "UserAdd"], zone_name="www.example.org")
        self.assert_success(resp, "CheckPermissions")
        self.assertEqual(self.names(resp.data.allowed), ["RecordAdd"], "allowed")
        self.assertEqual(self.names(resp.data.forbidden), ["UserAdd"], "forbidden")
        self.assertEqual(as_list(resp.data.forbidden[0].reason), ["permission not found"], "reason")
        resp = self.svc.GetUserPermissions(token=self.owner_token)
        self.assertIs(resp.data.admin_override, True, "the owner's own report")

    def test_get_job_replays_an_earlier_call(self):
        name = self.uname("job")
        self.create_user(name)
        done = self.svc.AddUserPermissions(token=self.owner_token, user_name=name, permission=["ZoneGet"])
        resp = self.svc.GetJob(token=self.owner_token, job_id=done.job_id)
        self.assert_success(resp, "GetJob")
        self.assertEqual(resp.job_id, done.job_id, "GetJob answers under the job's own id")
        self.assertEqual(resp.msgs[0].info, "update: permission added", "the job's message")
        self.assertEqual(resp.data.user_name, name, "the job's user (xsi:type tns:UserData)")
        self.assertEqual(as_list(resp.data.permission), ["ZoneGet"], "the job's user")
        read = self.svc.GetUser(token=self.owner_token, user_name=name)
        self.assert_fails_both_ways(
            self.svc.GetJob, "NOT_FOUND", "job_id: no such job", token=self.owner_token, job_id=read.job_id
        )


class UpdateUserScenarios:
    """DDNS update users (CreateUpdateUser ... DeleteOneUpdateUser) through the client's generated types."""

    def test_update_user_lifecycle(self):
        resp = self.svc.CreateUpdateUser(token=self.owner_token, nickname=f"{self.CLIENT} router", password="")
        self.assert_success(resp, "CreateUpdateUser")
        name, generated = resp.data.user_name, resp.data.password
        self.assertTrue(name.startswith("ddns-"), f"generated name {name!r}")
        self.assertEqual(len(generated), 20, "a generated password is answered")
        self.assertEqual(as_list(resp.data.group_name), ["UPDATE"], "the UPDATE group")
        self.assertEqual(resp.data.status, "active")
        listed = self.svc.GetUpdateUsers(token=self.owner_token)
        self.assert_success(listed, "GetUpdateUsers")
        mine = [u for u in as_list(field(listed, "data")) if u.user_name == name]
        self.assertEqual(len(mine), 1, "listed once")
        self.assertIsNone(field(mine[0], "password"), "the list never carries a password")
        got = self.svc.GetUpdateUserPassword(token=self.owner_token, user_name=name)
        self.assertEqual(got.data.password, generated, "the password reads back")
        resp = self.svc.UpdateUpdateUser(token=self.owner_token, user_name=name, block="True")
        self.assertEqual(resp.data.status, "blocked", "block=True")
        resp = self.svc.UpdateUpdateUser(token=self.owner_token, user_name=name, password="interop-ddns-2")
        self.assertIsNone(field(resp.data, "password"), "a chosen password is not echoed")
        got = self.svc.GetUpdateUserPassword(token=self.owner_token, user_name=name)
        self.assertEqual(got.data.password, "interop-ddns-2")
        job = self.svc.GetJob(token=self.owner_token, job_id=got.job_id)
        self.assert_success(job, "GetJob of a password read")
        self.assertIsNone(field(job, "data"), "GetJob never answers an update user's password")
        self.assert_fails_both_ways(
            self.svc.UpdateUpdateUser, "INVALID_DATA", "unblock: cannot be combined with block",
            token=self.owner_token, user_name=name, block="1", unblock="Y",
        )
        with self.assertRaises(self.FAULT):
            self.svc.SessionLogin(user_name=name, customer_name=CUSTOMER, password="interop-ddns-2")
        self.assert_success(self.svc.DeleteOneUpdateUser(token=self.owner_token, user_name=name), "DeleteOneUpdateUser")
        self.assert_fails_both_ways(
            self.svc.GetUpdateUserPassword, "NOT_FOUND", "user_name: no such update user",
            token=self.owner_token, user_name=name,
        )


class AccountLifecycleScenarios:
    """Issue 7: deactivation, lookups by id and uid, the caller's own record, expected_version, as generated."""

    def test_deactivate_and_reactivate_with_the_combined_flags(self):
        name = self.uname("dormant")
        self.create_user(name)
        resp = self.svc.DeactivateUser(token=self.owner_token, user_name=name, block_user=True)
        self.assert_success(resp, "DeactivateUser")
        self.assertEqual((resp.data.active, resp.data.status), (False, "blocked"), "deactivated and blocked")
        self.assert_fault(self.svc.SessionLogin, "INVALID_DATA", BAD_CREDENTIALS, **self.login_args(name))
        self.assertIs(self.get_user(name).active, False, "a deactivated user stays readable")
        resp = self.svc.ReactivateUser(token=self.owner_token, user_name=name, unblock_user=True)
        self.assert_success(resp, "ReactivateUser")
        self.assertEqual((resp.data.active, resp.data.status), (True, "active"), "reactivated and unblocked")
        self.assertTrue(self.login(name, PASSWORD), "logs in again")

    def test_get_user_by_id_or_uid_and_the_current_user(self):
        name = self.uname("keyed")
        created = self.create_user(name)
        by_id = self.svc.GetUser(token=self.owner_token, user_id=created.user_id)
        self.assertEqual(by_id.data.user_name, name, "GetUser by user_id")
        by_uid = self.svc.GetUser(token=self.owner_token, uid=created.uid)
        self.assertEqual(by_uid.data.user_name, name, "GetUser by uid")
        self.assert_fails_both_ways(self.svc.GetUser, "MISSING_DATA", "user_name: one of", token=self.owner_token)
        me = self.svc.GetCurrentUser(token=self.login(name, PASSWORD))
        self.assert_success(me, "GetCurrentUser")
        self.assertEqual((me.data.user_name, me.data.user_id), (name, created.user_id), "GetCurrentUser")

    def test_update_current_user_changes_only_self_service_fields(self):
        name = self.uname("selfserve")
        self.create_user(name)
        token = self.login(name, PASSWORD)
        resp = self.svc.UpdateCurrentUser(token=token, city="Oxford", display_name="Me")
        self.assert_success(resp, "UpdateCurrentUser")
        self.assertEqual((resp.data.city, resp.data.display_name), ("Oxford", "Me"), "own fields set")
        self.assert_fails_both_ways(
            self.svc.UpdateCurrentUser, "PERMISSION_DENIED", "organization: not a field you may change",
            token=token, organization="Elsewhere",
        )

    def test_a_stale_expected_version_is_invalid_version(self):
        name = self.uname("versioned")
        created = self.create_user(name)
        self.assert_fails_both_ways(
            self.svc.UpdateUser, "INVALID_VERSION", f"expected_version: is 99, current {created.version}",
            token=self.owner_token, user_name=name, city="Rome", expected_version=99,
        )
        resp = self.svc.UpdateUser(token=self.owner_token, user_name=name, city="Rome", expected_version=created.version)
        self.assertEqual(resp.data.version, created.version + 1, "the matching version passes and moves on")
        resp = self.svc.UpdateUser(token=self.owner_token, user_name=name, hold=True)
        self.assertIs(resp.data.hold, True, "an owner sets hold")
        self.assert_fails_both_ways(
            self.svc.DeleteUser, "ILLEGAL_OPERATION", "user_name: the user is on hold",
            token=self.owner_token, user_name=name,
        )
