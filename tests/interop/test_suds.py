# tests/interop/test_suds.py: owns the suds client adapter and the suds-only tests (shared ones: scenarios.py).
"""suds-community 1.2 against a real usergate server. No hand-written XML: every request goes through suds's
service proxy and factory types. suds speaks SOAP 1.1 only, sends unset required elements as empty elements, and
writes the envelope with two prefixes for one namespace (SOAP-ENV:Envelope, ns1:Body).

The scenarios are in scenarios.py; this module builds the suds client, adapts it (SudsCase) and adds what only
suds does: suds.null(), the unset required element, and the untyped fault detail (job_id arrives as text).

Run: tests/interop/run.sh, or `python -m unittest -v test_suds` from tests/interop with the venv active.
"""

import unittest

import suds
import suds.sudsobject
from suds.cache import NoCache
from suds.client import Client
from suds.plugin import MessagePlugin
from suds.transport import TransportError
from suds.transport.http import HttpAuthenticated

import scenarios
from scenarios import field

NS = "urn:usergate:1"


class RecordingTransport(HttpAuthenticated):
    """suds's default transport, remembering the HTTP status of the last reply (faults are 500, failures 200)."""

    last_status = None

    def send(self, request):
        try:
            reply = super().send(request)
        except TransportError as e:
            self.last_status = e.httpcode
            raise
        self.last_status = reply.code
        return reply


class ReplyCheckPlugin(MessagePlugin):
    """Hands every reply to the WSDL schema checker before suds reads it."""

    def __init__(self, checker):
        self.checker = checker

    def received(self, context):
        self.checker.check_bytes(context.reply)


def plain(value):
    """A suds reply object as plain dicts and lists, to compare whole users."""
    if isinstance(value, suds.sudsobject.Object):
        return {k: plain(v) for k, v in value}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class SudsCase(scenarios.InteropCase):
    """The suds adapter of scenarios.InteropCase."""

    CLIENT = "suds"
    FAULT = suds.WebFault
    NIL = suds.null()
    NIL_SPELLING = "suds.null()"

    @classmethod
    def connect(cls, wsdl_url, replies):
        cls.transport = RecordingTransport()
        plugins = [ReplyCheckPlugin(replies)]
        cls.client = Client(wsdl_url, cache=NoCache(), transport=cls.transport, plugins=plugins)
        cls.svc = cls.client.service

    def zone(self, zone_name, recurse=None):
        z = self.client.factory.create(f"{{{NS}}}PermissionZone")
        z.zone_name, z.recurse = zone_name, recurse
        return z

    def forbid(self, name, zones):
        f = self.client.factory.create(f"{{{NS}}}PermissionData")
        f.name, f.zone = name, zones
        return f

    def as_dict(self, reply):
        return plain(reply)

    def fault_text(self, exc):
        return exc.fault.faultcode, exc.fault.faultstring

    def fault_detail(self, exc, where):
        """The fault's detail/ErrorResponse. suds reads it untyped: job_id must be digits, returned as an int."""
        detail = field(field(exc.fault, "detail"), "ErrorResponse")
        self.assertIsNotNone(detail, f"{where}: no detail/ErrorResponse in {exc.fault}")
        job_id = field(detail, "job_id")
        self.assertTrue(str(job_id).isdigit(), f"{where}: ErrorResponse job_id {job_id!r}")
        detail.job_id = int(job_id)
        return detail


class SessionTest(scenarios.SessionScenarios, SudsCase):
    pass


class UserLifecycleTest(scenarios.UserLifecycleScenarios, SudsCase):
    pass


class ErrCodeTest(scenarios.ErrCodeScenarios, SudsCase):
    def test_missing_data_required_element_unset(self):
        # suds writes an unset required element as <nickname/>: the server must read that as missing.
        self.assert_fails_both_ways(self.create, "MISSING_DATA", "nickname: required", nickname=None)


class SearchLimitTest(scenarios.SearchLimitScenarios, SudsCase):
    pass


class AccessTest(scenarios.AccessScenarios, SudsCase):
    pass


class UpdateUserTest(scenarios.UpdateUserScenarios, SudsCase):
    pass


class AccountLifecycleTest(scenarios.AccountLifecycleScenarios, SudsCase):
    pass


if __name__ == "__main__":
    unittest.main()
