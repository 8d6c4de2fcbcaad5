"""A small driver for headless Chromium over the DevTools protocol, for tests of our pages.

Chromium is started with ``--remote-debugging-pipe``: protocol messages (JSON, each ended
by a NUL byte) go over the child's file descriptors 3 (commands in) and 4 (replies and
events out), so no port is opened and no websocket library is needed. Where the
machine allows it (root, as here and in CI), Chromium also runs in a fresh network
namespace (``unshare --net``) that has no network at all, only a loopback that is down;
every page additionally has the DevTools "offline" switch on and every request it makes
is logged, so a test can assert that nothing but ``file://`` was asked for.

Only what the tests use is here: open a page, evaluate JavaScript (awaiting promises),
press keys as a keyboard or a clicker would, take a screenshot, and see new windows.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM", "Browser", "Page", "browser", "network_isolation"]

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)

#: The flags every test browser starts with (the project's standard set, plus the pipe).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)

#: Keys as Input.dispatchKeyEvent needs them: key, code, Windows virtual key code (what pages read as keyCode).
KEYS = {
    "ArrowRight": ("ArrowRight", "ArrowRight", 39),
    "ArrowLeft": ("ArrowLeft", "ArrowLeft", 37),
    "ArrowDown": ("ArrowDown", "ArrowDown", 40),
    "ArrowUp": ("ArrowUp", "ArrowUp", 38),
    "PageDown": ("PageDown", "PageDown", 34),
    "PageUp": ("PageUp", "PageUp", 33),
    "s": ("s", "KeyS", 83),
}


def network_isolation() -> list[str]:
    """The command prefix that runs a program without any network, or ``[]`` where that is not allowed."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    for prefix in ([unshare, "--net"], [unshare, "--net", "--map-root-user"]):
        if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    return []


class Browser:
    """One Chromium process and its protocol connection."""

    def __init__(self, window: tuple[int, int] = (1280, 720), isolate: bool = True) -> None:
        if CHROMIUM is None:
            raise RuntimeError("chromium is not installed (apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        self.isolated = bool(network_isolation()) if isolate else False
        prefix = network_isolation() if isolate else []
        cmd_in_r, self._cmd_w = os.pipe()
        self._evt_r, evt_out_w = os.pipe()
        # Above 10 so that putting them on 3 and 4 in the child never overwrites one with the other.
        child_in = fcntl.fcntl(cmd_in_r, fcntl.F_DUPFD, 10)
        child_out = fcntl.fcntl(evt_out_w, fcntl.F_DUPFD, 10)
        os.close(cmd_in_r)
        os.close(evt_out_w)

        def on_fds_3_4() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.proc = subprocess.Popen(
            [*prefix, CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={window[0]},{window[1]}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=on_fds_3_4,
            pass_fds=(3, 4),
        )
        os.close(child_in)
        os.close(child_out)
        self._next_id = 0
        self._lock = threading.Lock()
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self._events_changed = threading.Condition()
        self._stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self._stderr.extend(self.proc.stderr or []), daemon=True).start()
        self.send("Target.setDiscoverTargets", {"discover": True}, timeout=60)

    # -- protocol --------------------------------------------------------------
    def _read(self) -> None:
        buf = b""
        while True:
            try:
                chunk = os.read(self._evt_r, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._lock:
                        q = self._replies.get(msg["id"])
                    if q is not None:
                        q.put(msg)
                else:
                    with self._events_changed:
                        self.events.append(msg)
                        self._events_changed.notify_all()

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None, timeout: float = 30
    ) -> Any:
        """Send one command and return its result (raises on a protocol error or a timeout)."""
        with self._lock:
            self._next_id += 1
            msg_id = self._next_id
            q: queue.Queue[dict[str, Any]] = queue.Queue()
            self._replies[msg_id] = q
        msg: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        try:
            reply = q.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no reply to {method} in {timeout} s; stderr: {self.stderr()[-800:]}") from None
        finally:
            with self._lock:
                self._replies.pop(msg_id, None)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, match: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
        """The first event so far or to come that ``match`` accepts."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._events_changed:
            while True:
                for ev in self.events[seen:]:
                    if match(ev):
                        return ev
                seen = len(self.events)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the awaited browser event did not come")
                self._events_changed.wait(left)

    def wait_popup(self, opener: Page, timeout: float = 15) -> Page:
        """The window ``opener`` opened (``window.open``), attached."""
        ev = self.wait_event(
            lambda e: (
                e.get("method") == "Target.targetCreated"
                and e["params"]["targetInfo"].get("openerId") == opener.target_id
            ),
            timeout,
        )
        return self.attach(ev["params"]["targetInfo"]["targetId"])

    def stderr(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")

    # -- pages -----------------------------------------------------------------
    def new_page(self, url: str = "about:blank", viewport: tuple[int, int] | None = None) -> Page:
        """A new tab; ``viewport`` sets the page's size in CSS pixels exactly (else the window's)."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        page = self.attach(target)
        if viewport is not None:
            page.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": viewport[0], "height": viewport[1], "deviceScaleFactor": 1, "mobile": False},
            )
        if url != "about:blank":
            page.goto(url)
        return page

    def attach(self, target_id: str) -> Page:
        session = self.send("Target.attachToTarget", {"targetId": target_id, "flatten": True})["sessionId"]
        return Page(self, session, target_id)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._cmd_w)
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """One tab, with every request it made (``requests``: URLs, in order)."""

    def __init__(self, browser: Browser, session: str, target_id: str) -> None:
        self.browser, self.session, self.target_id = browser, session, target_id
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Network.enable")
        # The DevTools offline switch as well (the namespace already has no network where allowed).
        self.send(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
        return self.browser.send(method, params, self.session, timeout)

    def _mine(self, ev: dict[str, Any]) -> bool:
        return ev.get("sessionId") == self.session

    @property
    def requests(self) -> list[str]:
        return [
            ev["params"]["request"]["url"]
            for ev in list(self.browser.events)
            if self._mine(ev) and ev.get("method") == "Network.requestWillBeSent"
        ]

    @property
    def console_errors(self) -> list[str]:
        out = []
        for ev in list(self.browser.events):
            if not self._mine(ev):
                continue
            if ev.get("method") == "Runtime.exceptionThrown":
                out.append(json.dumps(ev["params"]["exceptionDetails"])[:500])
            elif ev.get("method") == "Runtime.consoleAPICalled" and ev["params"].get("type") == "error":
                out.append(json.dumps(ev["params"]["args"])[:500])
        return out

    def goto(self, url: str, timeout: float = 30) -> None:
        n = len(self.browser.events)
        self.send("Page.navigate", {"url": url})

        def loaded(ev: dict[str, Any]) -> bool:
            return self._mine(ev) and ev.get("method") == "Page.loadEventFired"

        deadline = time.monotonic() + timeout
        while not any(loaded(ev) for ev in self.browser.events[n:]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not finish loading")
            time.sleep(0.05)

    def evaluate(self, expression: str, timeout: float = 30) -> Any:
        """The value of a JavaScript expression (a promise is awaited)."""
        res = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True, "userGesture": False},
            timeout,
        )
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression[:80]}...: {json.dumps(res['exceptionDetails'])[:600]}")
        return res["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20, interval: float = 0.05) -> Any:
        """Poll until a JavaScript expression is truthy; return its value."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"still false after {timeout} s: {expression} (last value {value!r})")

    def press(self, key: str) -> None:
        """Press and release a key (a trusted input event, as from a keyboard or a presentation clicker)."""
        name, code, vk = KEYS[key]
        text = {"text": name} if len(name) == 1 else {}
        for kind in ("keyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": name, "code": code, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk}
                | (text if kind == "keyDown" else {}),
            )

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)


@contextlib.contextmanager
def browser(window: tuple[int, int] = (1280, 720), isolate: bool = True) -> Iterator[Browser]:
    b = Browser(window, isolate)
    try:
        yield b
    finally:
        b.close()
