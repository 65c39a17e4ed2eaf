# tests/interop/test_zeep.py: owns the zeep client adapter and the zeep-only tests (shared ones: scenarios.py).
"""zeep 4.3 against a real usergate server. No hand-written XML: every request goes through zeep's generated
service proxy and types, every answer is read through the WSDL's types (fault details included).

The scenarios are in scenarios.py; this module builds the zeep client, adapts it (ZeepCase) and adds what only
zeep can say: xsd.Nil and xsd.SkipValue, and the fault detail's xsi:type read from the raw XML.

Run: tests/interop/run.sh, or `python -m unittest -v test_zeep` from tests/interop with the venv active.
"""

import unittest

import zeep
import zeep.helpers
import zeep.xsd
from lxml import etree
from zeep.exceptions import Fault

import scenarios

NS = "urn:usergate:1"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


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


class ZeepCase(scenarios.InteropCase):
    """The zeep adapter of scenarios.InteropCase."""

    CLIENT = "zeep"
    FAULT = Fault
    NIL = zeep.xsd.Nil
    NIL_SPELLING = "zeep.xsd.Nil"

    @classmethod
    def connect(cls, wsdl_url, replies):
        cls.transport = RecordingTransport()
        cls.client = zeep.Client(wsdl_url, transport=cls.transport, plugins=[ReplyCheckPlugin(replies)])
        cls.svc = cls.client.service
        cls.Zone = cls.client.get_type(f"{{{NS}}}PermissionZone")
        cls.Forbid = cls.client.get_type(f"{{{NS}}}PermissionData")

    def zone(self, zone_name, recurse=None):
        return self.Zone(zone_name=zone_name, recurse=recurse)

    def forbid(self, name, zones):
        return self.Forbid(name=name, zone=zones)

    def as_dict(self, reply):
        return zeep.helpers.serialize_object(reply, dict)

    def fault_text(self, fault):
        return fault.code or "", fault.message

    def fault_detail(self, fault, where):
        """The fault's detail/ErrorResponse, read with the WSDL's ErrorResponse element (job_id typed int)."""
        self.assertIsNotNone(fault.detail, f"{where}: fault {fault.message!r} has no detail")
        found = fault.detail.find(f"{{{NS}}}ErrorResponse")
        self.assertIsNotNone(found, f"{where}: no tns:ErrorResponse in the detail: {etree.tostring(fault.detail)!r}")
        xsi_type = found.get(XSI_TYPE, "")
        prefix, _, local = xsi_type.rpartition(":")
        self.assertEqual(
            (found.nsmap.get(prefix or None), local), (NS, "ErrorResponseType"), f"{where}: xsi:type is {xsi_type!r}"
        )
        return self.client.get_element(f"{{{NS}}}ErrorResponse").parse(found, self.client.wsdl.types)


class SessionTest(scenarios.SessionScenarios, ZeepCase):
    pass


class UserLifecycleTest(scenarios.UserLifecycleScenarios, ZeepCase):
    pass


class ErrCodeTest(scenarios.ErrCodeScenarios, ZeepCase):
    def test_missing_data_required_element_skipped(self):
        # zeep.xsd.SkipValue leaves the required element out of the request altogether.
        self.assert_fails_both_ways(self.create, "MISSING_DATA", "nickname: required", nickname=zeep.xsd.SkipValue)


class SearchLimitTest(scenarios.SearchLimitScenarios, ZeepCase):
    pass


class AccessTest(scenarios.AccessScenarios, ZeepCase):
    pass


class UpdateUserTest(scenarios.UpdateUserScenarios, ZeepCase):
    pass


class AccountLifecycleTest(scenarios.AccountLifecycleScenarios, ZeepCase):
    pass


if __name__ == "__main__":
    unittest.main()
