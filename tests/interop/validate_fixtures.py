#!/usr/bin/env python3
"""Checks the native fixture corpus against the contract: the xsd:schema inside wsdl/usergate.wsdl.

Usage: python tests/interop/validate_fixtures.py [--strict] [repo_root]

For every fixtures/native/<Operation>/<case>.{request,response}.xml:
  - requests (placeholders such as {{owner_token}} replaced by dummy values) of cases whose response is a success
    must validate as their global element (<Op>Request). Requests of failure cases are deliberately wrong and are
    skipped. A case without a response file yet counts as a success case when its name starts with `ok_`.
    The server accepts children in any order and children qualified with urn:usergate:1 (design.md section 2),
    and some fixtures exercise exactly that; such a request that fails strict validation is checked again after
    putting its children in schema order and unqualifying them, and passes as "OK (lenient: ...)".
    --strict turns that second chance off.
  - success responses and `status=failure` responses (fault_incompat=1) validate as <Op>Response;
  - SOAP faults: detail/ErrorResponse validates as ErrorResponse.
Prints one line per file and a summary. Exit status 1 when a file is invalid or when fewer than 40 response files
exist; 2 when the WSDL cannot be read.

Needs xmlschema and lxml (tests/interop/requirements.txt).
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import xmlschema
from lxml import etree

NATIVE_NS = "urn:usergate:1"
SOAP_ENVS = ("http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope")
XSD_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MIN_RESPONSES = 40

# Never fetch a DTD or expand an entity: some request fixtures are hostile on purpose.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
LEADING_COMMENT = re.compile(r"\A\s*<!--.*?-->\s*", re.S)


class Invalid(Exception):
    """The file is not what the contract says it should be."""


def load_schema(repo: Path) -> xmlschema.XMLSchema:
    """The WSDL's xsd:schema as a standalone schema, with the WSDL's namespace declarations carried onto it."""
    wsdl = etree.parse(str(repo / "wsdl" / "usergate.wsdl"), PARSER)
    found = wsdl.getroot().find(f".//{{{XSD_NS}}}schema")
    if found is None:
        raise SystemExit("wsdl/usergate.wsdl holds no xsd:schema")
    nsmap = dict(wsdl.getroot().nsmap)
    nsmap.update(found.nsmap)
    schema = etree.Element(found.tag, attrib=dict(found.attrib), nsmap=nsmap)
    for child in found:
        schema.append(copy.deepcopy(child))
    return xmlschema.XMLSchema(etree.tostring(schema, encoding="unicode"))


def read_xml(path: Path) -> tuple[etree._Element, str | None]:
    """Parses a fixture; the leading comment (`<!-- soapaction: .. -->` or `<!-- HTTP 200 -->`) is dropped."""
    text = path.read_text(encoding="utf-8")
    first = LEADING_COMMENT.match(text)
    note = first.group(0).strip() if first else None
    text = text[first.end():] if first else text
    # Job ids ({{..._job}}) are xsd:long; the other placeholders are strings.
    text = PLACEHOLDER.sub(lambda m: "1" if m.group(1).endswith("_job") else f"dummy-{m.group(1)}", text)
    try:
        return etree.fromstring(text.encode("utf-8"), PARSER), note
    except etree.XMLSyntaxError as e:
        raise Invalid(f"not well-formed XML: {e}") from e


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def namespace(el: etree._Element) -> str | None:
    return etree.QName(el).namespace


def elements(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def body_child(envelope: etree._Element) -> etree._Element:
    env_ns = namespace(envelope)
    if local(envelope) != "Envelope" or env_ns not in SOAP_ENVS:
        raise Invalid(f"root is {envelope.tag}, not a SOAP Envelope")
    bodies = [c for c in elements(envelope) if local(c) == "Body" and namespace(c) == env_ns]
    if len(bodies) != 1:
        raise Invalid(f"{len(bodies)} Body elements")
    kids = elements(bodies[0])
    if not kids:
        raise Invalid("empty Body")
    return kids[0]


def standalone(el: etree._Element) -> etree._Element:
    """The element as its own document (in-scope namespace declarations kept, for xsi:type values)."""
    return etree.fromstring(etree.tostring(el), PARSER)


def errors_as(schema: xmlschema.XMLSchema, el: etree._Element, name: str) -> list[str]:
    """Schema errors of `el` validated as the global element `name` of the native namespace."""
    if namespace(el) != NATIVE_NS or local(el) != name:
        return [f"element is {el.tag}, expected {{{NATIVE_NS}}}{name}"]
    if name not in schema.elements:
        return [f"the schema has no global element {name}"]
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(standalone(el))]


def normalized(schema: xmlschema.XMLSchema, el: etree._Element) -> tuple[etree._Element, list[str]]:
    """A copy of a request element with its descendants unqualified and in schema order; says what it changed."""
    changes: set[str] = set()
    nsmap = {"tns": NATIVE_NS, "xsi": XSI_NS, "xsd": XSD_NS}

    def order_of(decl) -> list[str]:
        content = getattr(getattr(decl, "type", None), "content", None)
        if content is None or not hasattr(content, "iter_elements"):
            return []
        return [d.local_name for d in content.iter_elements()]

    def child_decl(decl, name):
        content = getattr(getattr(decl, "type", None), "content", None)
        if content is None or not hasattr(content, "iter_elements"):
            return None
        return next((d for d in content.iter_elements() if d.local_name == name), None)

    def copy_into(src, dst, decl):
        for k, v in src.attrib.items():
            if k == f"{{{XSI_NS}}}type" and ":" in v:
                prefix, lname = v.split(":", 1)
                uri = src.nsmap.get(prefix)
                v = f"xsd:{lname}" if uri == XSD_NS else f"tns:{lname}" if uri == NATIVE_NS else v
            dst.set(k, v)
        dst.text = src.text
        kids = elements(src)
        order = order_of(decl)
        rank = {n: i for i, n in enumerate(order)}
        ordered = sorted(kids, key=lambda c: rank.get(local(c), len(order)))
        if [local(c) for c in ordered] != [local(c) for c in kids]:
            changes.add("children reordered")
        for c in ordered:
            if namespace(c) == NATIVE_NS:
                changes.add("children unqualified")
            tag = local(c) if namespace(c) in (None, NATIVE_NS) else c.tag
            copy_into(c, etree.SubElement(dst, tag), child_decl(decl, local(c)))

    root = etree.Element(f"{{{NATIVE_NS}}}{local(el)}", nsmap=nsmap)
    copy_into(el, root, schema.elements.get(local(el)))
    return root, sorted(changes)


def response_kind(path: Path) -> str | None:
    """'success', 'failure' or 'fault' for a response file; None when it is missing or unreadable."""
    if not path.exists():
        return None
    try:
        first = body_child(read_xml(path)[0])
    except Invalid:
        return None
    if local(first) == "Fault":
        return "fault"
    status = next((c for c in elements(first) if local(c) == "status" and namespace(c) is None), None)
    return "success" if status is not None and (status.text or "").strip() == "success" else "failure"


def check_request(schema, path: Path, op: str, strict: bool) -> tuple[str, str]:
    case = path.name[: -len(".request.xml")]
    kind = response_kind(path.with_name(f"{case}.response.xml"))
    expected_valid = kind == "success" if kind is not None else case.startswith("ok_")
    if not expected_valid:
        why = f"response is a {kind}" if kind else "no response yet, not an ok_ case"
        return "SKIP", f"invalid on purpose ({why})"
    el = body_child(read_xml(path)[0])
    name = f"{op}Request"
    errs = errors_as(schema, el, name)
    if not errs:
        return "OK", name
    if not strict and namespace(el) == NATIVE_NS and local(el) == name:
        fixed, changes = normalized(schema, el)
        if changes and not errors_as(schema, fixed, name):
            return "OK", f"{name} (lenient: {', '.join(changes)})"
    raise Invalid("; ".join(errs[:5]))


def check_response(schema, path: Path, op: str) -> tuple[str, str]:
    root, note = read_xml(path)
    first = body_child(root)
    http = note.removeprefix("<!--").removesuffix("-->").strip() if note else "no HTTP line"
    if local(first) == "Fault":
        detail = next((c for c in elements(first) if local(c) in ("detail", "Detail")), None)
        if detail is None:
            raise Invalid("Fault without detail")
        er = next((c for c in elements(detail) if local(c) == "ErrorResponse"), None)
        if er is None:
            raise Invalid("Fault detail holds no ErrorResponse")
        errs = errors_as(schema, er, "ErrorResponse")
        if errs:
            raise Invalid("; ".join(errs[:5]))
        cd = er.findtext("msgs/err_cd") or "?"
        return "OK", f"Fault/ErrorResponse {cd} ({http})"
    name = f"{op}Response"
    errs = errors_as(schema, first, name)
    if errs:
        raise Invalid("; ".join(errs[:5]))
    status = (first.findtext("status") or "").strip()
    cd = first.findtext("msgs/err_cd")
    return "OK", f"{name} status={status}{' ' + cd if cd else ''} ({http})"


def main(argv: list[str]) -> int:
    strict = "--strict" in argv
    args = [a for a in argv if a != "--strict"]
    repo = Path(args[0]) if args else Path(__file__).resolve().parents[2]
    try:
        schema = load_schema(repo)
    except (OSError, etree.XMLSyntaxError, xmlschema.XMLSchemaException) as e:
        print(f"cannot load the schema from {repo / 'wsdl' / 'usergate.wsdl'}: {e}")
        return 2
    files = sorted((repo / "fixtures" / "native").glob("**/*.xml"))
    counts = {"OK": 0, "SKIP": 0, "FAIL": 0}
    responses = 0
    for path in files:
        rel = path.relative_to(repo)
        op = path.parent.name
        try:
            if path.name.endswith(".request.xml"):
                verdict, what = check_request(schema, path, op, strict)
            elif path.name.endswith(".response.xml"):
                responses += 1
                verdict, what = check_response(schema, path, op)
            else:
                verdict, what = "SKIP", "neither a request nor a response"
        except Invalid as e:
            verdict, what = "FAIL", str(e)
        counts[verdict] += 1
        print(f"{verdict:<4}  {rel}: {what}")
    print(
        f"\n{len(files)} files: {counts['OK']} valid, {counts['SKIP']} skipped, {counts['FAIL']} invalid; "
        f"{responses} response files (need at least {MIN_RESPONSES})"
    )
    if responses < MIN_RESPONSES:
        print(f"too few response files: {responses} < {MIN_RESPONSES} (run UPDATE_FIXTURES=1 cargo test --test it fixtures)")
    return 1 if counts["FAIL"] or responses < MIN_RESPONSES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
