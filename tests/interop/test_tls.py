# tests/interop/test_tls.py: owns the TLS interop test (zeep over HTTPS to usergate's built-in TLS).
"""zeep over HTTPS against a usergate serving TLS itself (tls_cert_file, tls_key_file). A test CA and a server
certificate for 127.0.0.1 are made at run time with the openssl command; zeep trusts that CA only, through a
requests session's `verify=` (no change to the system's trust store).

Run: tests/interop/run.sh, or `python -m unittest -v test_tls` from tests/interop with the venv active.
"""

import subprocess
import tempfile
import unittest
from pathlib import Path

import requests
import zeep

from server import usergate

OWNER_PASSWORD = "owner-tls-pw-1"


def make_ca_and_server_cert(folder: Path):
    """ca.pem (a self-signed CA) and server.pem/server.key (127.0.0.1, localhost) signed by it."""

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=usergate interop test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
    )
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


class ZeepOverTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        folder = Path(cls.enterClassContext(tempfile.TemporaryDirectory(prefix="usergate-tls-")))
        cls.ca, cert, key = make_ca_and_server_cert(folder)
        config = {"tls_cert_file": str(cert), "tls_key_file": str(key)}
        cls.base_url = cls.enterClassContext(usergate(OWNER_PASSWORD, config))
        session = requests.Session()
        session.verify = str(cls.ca)
        # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's verify=; the test CA must win.
        session.trust_env = False
        cls.enterClassContext(session)
        cls.client = zeep.Client(cls.base_url + "?wsdl", transport=zeep.Transport(session=session))
        cls.svc = cls.client.service

    def test_the_wsdl_and_every_call_go_over_https(self):
        self.assertTrue(self.base_url.startswith("https://127.0.0.1:"), self.base_url)
        # The served WSDL names the https endpoint, so zeep posts there.
        self.assertEqual(self.svc._binding_options["address"], self.base_url)
        login = self.svc.SessionLogin(user_name="owner", customer_name="default", password=OWNER_PASSWORD)
        self.assertEqual(login.status, "success")
        token = login.data.token
        created = self.svc.CreateUser(token=token, user_name="tlsuser", password="tls-user-pass-1", nickname="T",
                                      first_name="Tee", last_name="Ls", email="tls@example.org",
                                      organization="Secure")
        self.assertEqual(created.status, "success")
        got = self.svc.GetUser(token=token, user_name="tlsuser")
        self.assertEqual(got.data.email, "tls@example.org")
        self.assertEqual(self.svc.SessionLogout(token=token).status, "success")

    def test_a_client_without_the_test_ca_refuses_the_server(self):
        with self.assertRaises(requests.exceptions.SSLError):
            requests.get(self.base_url + "?wsdl", timeout=10)

    def test_plain_http_on_the_tls_port_gets_no_answer(self):
        plain = self.base_url.replace("https://", "http://", 1)
        with self.assertRaises(requests.exceptions.ConnectionError):
            requests.get(plain + "?wsdl", timeout=10)


if __name__ == "__main__":
    unittest.main()
