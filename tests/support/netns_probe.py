"""Run inside a private network namespace (see test_discovery_netns.py).

Starts the real ``tilledge serve`` (TLS on 127.0.0.1, discovery on
127.0.0.1), resolves it with a zeroconf browser, pins the TLS certificate
from the TXT fingerprint, stops the server with SIGTERM and waits for the
record to be withdrawn. Prints one JSON document with what it observed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from zeroconf import ServiceBrowser, Zeroconf

from edge.security.tls import FingerprintMismatch, pinned_connect
from edge.serving.discovery import SERVICE_TYPE

PORT = 8443  # a private namespace: nothing else can hold it


def wait_for(cond: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


def main() -> None:
    out: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="tilledge-netns-"))
    cfg = tmp / "tilledge.toml"
    cfg.write_text(
        f'[box]\nname = "Café Netns"\ndata_dir = "{tmp / "data"}"\n'
        f'[server]\nlisten = "127.0.0.1:{PORT}"\ntls = "on"\nthreads = 4\n'
        '[discovery]\nenabled = true\ninterfaces = ["127.0.0.1"]\n'
        "[devices.nfc]\nenabled = false\n[devices.printer]\nenabled = false\n"
        "[devices.display]\nenabled = false\n",
        encoding="utf-8",
    )
    exe = str(Path(sys.executable).parent / "tilledge")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TILLEDGE_")}
    server = subprocess.Popen(
        [exe, "--config", str(cfg), "serve"],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "serve.log", "wb"),  # noqa: SIM115 - lives as long as the server
        env=env,
    )
    events: list[tuple[str, str]] = []
    lock = threading.Lock()

    def on_change(zeroconf: Zeroconf, service_type: str, name: str, state_change: Any) -> None:
        with lock:
            events.append((state_change.name, name))

    zc = Zeroconf(interfaces=["127.0.0.1"])
    try:
        browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
        wait_for(lambda: any(e == "Added" for e, _ in events), 20, "service never appeared")
        name = next(n for e, n in events if e == "Added")
        info = zc.get_service_info(SERVICE_TYPE, name, timeout=5000)
        assert info is not None, "could not resolve"
        props = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
        out["name"] = name
        out["properties"] = props
        out["addresses"] = info.parsed_addresses()
        out["port"] = info.port
        fp = props["tls_sha256"]

        sock = pinned_connect(out["addresses"][0], info.port, fp, timeout=5)
        with sock:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: box\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        out["pinned_status_line"] = data.split(b"\r\n", 1)[0].decode()
        out["pinned_body"] = json.loads(data.split(b"\r\n\r\n", 1)[1] or b"{}")

        # `tilledge discover` (the CLI browser) finds the same box.
        found = subprocess.run(
            [exe, "--config", str(cfg), "discover", "--timeout", "3", "--json"],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )
        out["discover"] = json.loads(found.stdout) if found.returncode == 0 else found.stderr

        wrong = ("0" if fp[0] != "0" else "1") + fp[1:]
        try:
            pinned_connect(out["addresses"][0], info.port, wrong, timeout=5).close()
            out["wrong_fingerprint"] = "accepted"
        except FingerprintMismatch:
            out["wrong_fingerprint"] = "rejected"

        server.send_signal(signal.SIGTERM)
        out["exit_code"] = server.wait(timeout=20)
        wait_for(
            lambda: any(e == "Removed" and n == name for e, n in events), 10, "never withdrawn"
        )
        out["withdrawn"] = True
        browser.cancel()
    except Exception as e:  # report, so the test shows what went wrong
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        zc.close()
        if server.poll() is None:
            server.kill()
            server.wait()
        out["serve_log"] = (tmp / "serve.log").read_text(errors="replace")[-3000:]
    print(json.dumps(out))


def announcer_update() -> None:
    """An in-process Announcer: a TXT change reaches a browser, stop withdraws."""
    from edge.serving.discovery import Announcer

    out: dict[str, Any] = {}
    seen: list[tuple[str, str]] = []
    announcer = Announcer(
        interfaces=["127.0.0.1"],
        box_id="0123456789abcdef",
        name="Old Name",
        version="t",
        port=9999,
        listen_host="127.0.0.1",
        tls_sha256="ab" * 32,
    )
    zc = Zeroconf(interfaces=["127.0.0.1"])

    def on_change(zeroconf: Zeroconf, service_type: str, name: str, state_change: Any) -> None:
        seen.append((state_change.name, name))

    def txt_name() -> str:
        info = zc.get_service_info(SERVICE_TYPE, seen[0][1], timeout=2000)
        return (info.properties.get(b"name") or b"").decode() if info else ""

    try:
        announcer.start(background=False)
        ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
        wait_for(lambda: any(e == "Added" for e, _ in seen), 20, "never added")
        out["before"] = txt_name()
        announcer.update(name="New Name")
        wait_for(lambda: any(e == "Updated" for e, _ in seen), 20, "no update seen")
        wait_for(lambda: txt_name() == "New Name", 10, "TXT not updated")
        out["after"] = txt_name()
        announcer.stop()
        wait_for(lambda: any(e == "Removed" for e, _ in seen), 10, "never withdrawn")
        out["withdrawn"] = True
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"
    finally:
        announcer.stop()
        zc.close()
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1:] == ["update"]:
        announcer_update()
    else:
        main()
