# tests/interop/server.py: owns starting and stopping one real usergate server (temp DB, port 0) for the interop tests.
"""Start the usergate binary for a test and stop it afterwards.

    with usergate("owner-password-1", {"search_limit": 3}) as base_url:
        wsdl_url = base_url + "?wsdl"

The binary is $USERGATE_BIN, else target/release/usergate, relative to the repository root. The server listens on
127.0.0.1 port 0; its listening line on stderr gives the URL. Its log goes to a file in the temp dir and is shown
when it fails to start or does not stop cleanly.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 10
LISTENING = re.compile(r"listening on (https?://127\.0\.0\.1:\d+/\S*)")


def _server_env(name):
    """Every USERGATE_* variable sets a key of the binary: a developer's shell must not change the test server."""
    return name.startswith("USERGATE_")


def binary_path():
    path = Path(os.environ.get("USERGATE_BIN", "target/release/usergate"))
    return path if path.is_absolute() else REPO_ROOT / path


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"unsupported config value {value!r}")


def _log_text(log_path):
    try:
        return log_path.read_text(errors="replace")
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def usergate(bootstrap_password, config=None):
    """Runs a server on a fresh database; yields its base URL, e.g. http://127.0.0.1:41234/SOAP/.

    config: None, or a dict of top-level settings written as TOML (e.g. {"search_limit": 3}).
    """
    binary = binary_path()
    if not binary.is_file():
        raise FileNotFoundError(f"usergate binary not found at {binary} (set USERGATE_BIN or build it)")
    with tempfile.TemporaryDirectory(prefix="usergate-interop-") as tmp:
        tmp = Path(tmp)
        args = [str(binary), "--db", str(tmp / "ug.db")]
        if config:
            config_path = tmp / "usergate.toml"
            config_path.write_text("".join(f"{k} = {_toml_value(v)}\n" for k, v in config.items()))
            args += ["--config", str(config_path)]
        args += ["serve", "--listen", "127.0.0.1:0"]
        env = {k: v for k, v in os.environ.items() if not _server_env(k)}
        env["USERGATE_BOOTSTRAP_PASSWORD"] = bootstrap_password
        env.setdefault("RUST_LOG", "info")
        log_path = tmp / "usergate.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            base_url = _wait_for_url(proc, log_path)
            yield base_url
        finally:
            _stop(proc, log_path)


def _wait_for_url(proc, log_path):
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        match = LISTENING.search(_log_text(log_path))
        if match:
            return match.group(1)
        if proc.poll() is not None:
            raise RuntimeError(f"usergate exited with {proc.returncode} before listening:\n{_log_text(log_path)}")
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"usergate did not log its listening line in {START_TIMEOUT_S} s:\n{_log_text(log_path)}"
            )
        time.sleep(0.05)


def _stop(proc, log_path):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print(f"usergate did not stop within {STOP_TIMEOUT_S} s of SIGTERM; killed. Log:\n"
                  f"{_log_text(log_path)}", file=sys.stderr)
            return
    if proc.returncode != 0:
        print(f"usergate exited with {proc.returncode}. Log:\n{_log_text(log_path)}", file=sys.stderr)
