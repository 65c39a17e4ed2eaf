# tests/clients/capture_proxy.py: owns the recording proxy between the matrix clients and the server.
"""A loopback HTTP proxy that forwards every request to one usergate server and records what each client sent.

    python3 capture_proxy.py SERVER_BASE_URL OUT_DIR      (prints "capture proxy on http://127.0.0.1:PORT/")

A client is pointed at http://127.0.0.1:PORT/<client>/<soap11|soap12>/ ; the proxy forwards the request to the
server's /SOAP/ and answers with the server's status, Content-Type and body. For each SOAP POST it writes, in
OUT_DIR/<client>/<binding>/ (NN counts per client and binding, from 01):

    NN-<Operation>.request.xml       the exact bytes the client sent, its live session token replaced by {{token}}
    NN-<Operation>.request.headers   the Content-Type and SOAPAction lines it sent, as sent
    NN-<Operation>.response.xml      "<!-- HTTP status -->" then our answer, the token replaced the same way

The token is learnt from the SessionLogin answer of that client and binding. A directory is emptied of earlier
NN-* files at its first request, so a run leaves exactly what the client sent in that run. run_all.sh writes into
fixtures/clients only with UPDATE_CAPTURES=1; otherwise into target/clients/captures, for comparison.
Standard library only: run_all.sh starts it with any python3.
"""

import http.client
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# Headers that describe one hop, not the message: never copied across the proxy.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
              "content-length", "accept-encoding"}
BODY_CHILD = re.compile(rb"<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)", re.S)
TOKEN = re.compile(rb"<(?:[\w.-]+:)?token>([^<]+)</(?:[\w.-]+:)?token>")
CLIENT_PATH = re.compile(r"^/([A-Za-z0-9_.-]+)/(soap11|soap12)/")


class Recorder:
    """Per client and binding: the next NN, the live token, and whether the directory was emptied yet."""

    def __init__(self, out_dir):
        self.out = Path(out_dir)
        self.lock = threading.Lock()
        self.next = {}
        self.tokens = {}

    def slot(self, key):
        with self.lock:
            n = self.next.get(key)
            if n is None:
                d = self.out.joinpath(*key)
                d.mkdir(parents=True, exist_ok=True)
                for old in d.glob("[0-9][0-9]-*"):
                    old.unlink()
                n = 1
            self.next[key] = n + 1
            return n

    def mask(self, key, data):
        token = self.tokens.get(key)
        return data.replace(token, b"{{token}}") if token else data

    def record(self, key, headers, request, status, response):
        op = BODY_CHILD.search(request)
        name = op.group(1).decode() if op else "Unknown"
        name = name[: -len("Request")] if name.endswith("Request") else name
        if name == "SessionLogin":
            found = TOKEN.search(response)
            if found:
                self.tokens[key] = found.group(1)
        stem = self.out.joinpath(*key) / f"{self.slot(key):02d}-{name}"
        stem.with_name(stem.name + ".request.xml").write_bytes(self.mask(key, request))
        lines = [f"{k}: {v}\n" for k, v in headers.items() if k.lower() in ("content-type", "soapaction")]
        stem.with_name(stem.name + ".request.headers").write_text("".join(lines))
        answer = f"<!-- HTTP {status} -->\n".encode() + self.mask(key, response) + b"\n"
        stem.with_name(stem.name + ".response.xml").write_bytes(answer)


def make_handler(server_url, recorder):
    target = urllib.parse.urlsplit(server_url)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self, method, path, body):
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                return resp.status, resp.getheader("Content-Type", ""), resp.read()
            finally:
                conn.close()

        def _reply(self, status, content_type, body):
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                # The client asked for Connection: close and we will close after this reply: say so, or a client
                # that pools sockets anyway (strong-soap) reuses this one and gets "socket hang up".
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            # A client that fetches the WSDL through its endpoint gets the server's; nothing is recorded.
            query = urllib.parse.urlsplit(self.path).query
            status, ctype, body = self._forward("GET", "/SOAP/" + (f"?{query}" if query else ""), None)
            self._reply(status, ctype, body)

        def _body(self):
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                parts = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        return b"".join(parts)
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_POST(self):
            body = self._body()
            status, ctype, answer = self._forward("POST", "/SOAP/", body)
            m = CLIENT_PATH.match(self.path)
            if m:
                recorder.record((m.group(1), m.group(2)), self.headers, body, status, answer)
            self._reply(status, ctype, answer)

        def log_message(self, *args):
            pass

    return Handler


def main():
    server_url, out_dir = sys.argv[1], sys.argv[2]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(server_url, Recorder(out_dir)))
    httpd.daemon_threads = True
    print(f"capture proxy on http://127.0.0.1:{httpd.server_address[1]}/", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
