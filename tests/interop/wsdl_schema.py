# tests/interop/wsdl_schema.py: owns checking each SOAP reply against the SOAP 1.1 envelope schema and the live WSDL.
"""The server must answer what its WSDL promises. The test clients hand each reply envelope to `ReplyChecker.check`
(from a zeep ingress plugin or a suds MessagePlugin); each test's tearDown asserts that no violation was recorded.

The payload checked is the Body's first child, or, for a Fault, the `ErrorResponse` in its `detail`.
"""

import urllib.request
from pathlib import Path

import xmlschema
from lxml import etree
from xmlschema.extras.wsdl import Wsdl11Document

SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP12 = "http://schemas.xmlsoap.org/wsdl/soap12/"
NS = "urn:usergate:1"
_ENVELOPE_XSD = Path(xmlschema.__file__).parent / "schemas" / "WSDL" / "soap-envelope.xsd"


def _errors(validator, element):
    try:
        return [f"{e.reason} (at {e.path})" for e in validator.iter_errors(element)]
    except (xmlschema.XMLSchemaException, KeyError) as e:
        # xmlschema raises instead of reporting, e.g. for an xsi:type that names no type of the WSDL.
        return [f"cannot be validated: {e}"]


def _without_soap12(wsdl_url):
    """The WSDL (a URL, or a file path such as Dyn's own WSDL) without its SOAP 1.2 binding and port: xmlschema's
    WSDL reader knows only SOAP 1.1 bindings (the 1.2 binding is exercised by the client matrix and checked by
    tests/it/tidy.rs)."""
    if "://" in str(wsdl_url):
        with urllib.request.urlopen(wsdl_url, timeout=30) as r:
            root = etree.fromstring(r.read())
    else:
        root = etree.fromstring(Path(wsdl_url).read_bytes())
    soap12 = set()
    for binding in root.findall(f"{{{WSDL_NS}}}binding"):
        if binding.find(f"{{{WSDL_SOAP12}}}binding") is not None:
            soap12.add(binding.get("name"))
            root.remove(binding)
    for service in root.findall(f"{{{WSDL_NS}}}service"):
        for port in service.findall(f"{{{WSDL_NS}}}port"):
            if port.get("binding", "").rpartition(":")[2] in soap12:
                service.remove(port)
    return etree.tostring(root, encoding="unicode")


class ReplyChecker:
    def __init__(self, wsdl_url, ns=NS):
        # The namespace of the fault detail's ErrorResponse: the WSDL's target namespace.
        self.ns = ns
        # Loading also validates the WSDL document itself against the WSDL 1.1 schema.
        wsdl = Wsdl11Document(_without_soap12(wsdl_url))
        # One set of schemas: the envelope's lax wildcards (Body, detail) then validate the payload with the WSDL's
        # declarations, and xsi:type="tns:ErrorResponseType" resolves.
        wsdl.schema.add_schema(str(_ENVELOPE_XSD), SOAP11_ENV, build=True)
        self.elements = wsdl.schema.maps.elements
        self.violations = []

    def check(self, envelope):
        """Records every way `envelope` (an lxml element) departs from the SOAP 1.1 envelope schema or the WSDL."""
        problems = _errors(self.elements[f"{{{SOAP11_ENV}}}Envelope"], envelope)
        payload = self._payload(envelope, problems)
        if payload is not None and payload.tag not in self.elements:
            problems.append(f"{payload.tag} is not an element of the WSDL")
        if problems:
            text = etree.tostring(envelope, encoding="unicode")
            self.violations.append("; ".join(problems) + f"\n    reply: {text}")

    def check_bytes(self, reply):
        try:
            self.check(etree.fromstring(reply))
        except etree.XMLSyntaxError as e:
            self.violations.append(f"reply is not XML: {e}\n    reply: {reply!r}")

    def _payload(self, envelope, problems):
        body = envelope.find(f"{{{SOAP11_ENV}}}Body")
        if body is None or len(body) == 0:
            problems.append("no SOAP 1.1 Body content")
            return None
        payload = body[0]
        if payload.tag != f"{{{SOAP11_ENV}}}Fault":
            return payload
        detail = payload.find(f"detail/{{{self.ns}}}ErrorResponse")
        if detail is None:
            problems.append("Fault without detail/tns:ErrorResponse")
        return detail

    def take(self):
        """The violations recorded since the last call."""
        found, self.violations = self.violations, []
        return found
