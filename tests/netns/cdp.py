#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""tests/netns/cdp.py: load a page in headless Chromium and report what a test asserts on.

A small Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3: commands to the
browser, fd 4: its replies and events, each message JSON ended by a NUL byte): no npm, no
websocket. It opens URL, waits for the load event (and a moment for late errors), collects
every console error, uncaught exception and browser log error (a failed resource load
included), then evaluates the JavaScript expression EXPR (its value must be JSON) and prints
one JSON object: {"errors": [...], "value": VALUE}.

Usage: cdp.py BROWSER URL EXPR   (exit 0 when the page loaded, 2 on a protocol failure)
"""
import json
import os
import select
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, exe):
        self.prof = tempfile.mkdtemp(prefix="cdp-")
        to_r, to_w = os.pipe()     # we write commands, chromium reads them on fd 3
        from_r, from_w = os.pipe()  # chromium writes on fd 4, we read

        def child():
            # through fresh numbers: a pipe end may already be 3 or 4 (and close-on-exec)
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)
        args = [exe, "--headless=new", "--disable-gpu", "--no-first-run",
                "--remote-debugging-pipe", "--user-data-dir=" + self.prof, "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")
        env = dict(os.environ, HOME=self.prof)
        self.proc = subprocess.Popen(args, preexec_fn=child, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=env)
        os.close(to_r)
        os.close(from_w)
        self.w, self.r = to_w, from_r
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self, timeout):
        end = time.monotonic() + timeout
        while b"\0" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                return None
            chunk = os.read(self.r, 65536)
            if not chunk:
                raise RuntimeError("the browser closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=30):
        want = self.send(method, params, session)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = self.read(end - time.monotonic())
            if m is None:
                break
            if m.get("id") == want:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)
        raise RuntimeError("%s: no answer" % method)

    def wait_event(self, name, timeout=30):
        for i, m in enumerate(self.events):
            if m.get("method") == name:
                return self.events.pop(i)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = self.read(end - time.monotonic())
            if m is None:
                break
            if m.get("method") == name:
                return m
            self.events.append(m)
        raise RuntimeError("no %s" % name)

    def drain(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            m = self.read(end - time.monotonic())
            if m is not None:
                self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
        subprocess.run(["rm", "-rf", self.prof], check=False)


def errors_of(events):
    out = []
    for m in events:
        p = m.get("params", {})
        if m.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                              for a in p.get("args", [])))
        elif m.get("method") == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out.append("exception: " + d.get("exception", {}).get("description", d.get("text", "")))
        elif m.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            out.append("log (%s): %s %s" % (e.get("source"), e.get("text"), e.get("url", "")))
    return out


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    exe, url, expr = sys.argv[1:]
    b = Browser(exe)
    try:
        target = b.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = b.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for dom in ("Runtime.enable", "Log.enable", "Page.enable"):
            b.call(dom, session=s)
        b.call("Page.navigate", {"url": url}, session=s)
        b.wait_event("Page.loadEventFired")
        b.drain(0.5)
        v = b.call("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=s)
        if "exceptionDetails" in v:
            raise RuntimeError("EXPR: " + json.dumps(v["exceptionDetails"]))
        print(json.dumps({"errors": errors_of(b.events),
                          "value": v.get("result", {}).get("value")}, ensure_ascii=False))
        return 0
    except RuntimeError as e:
        print("cdp.py: %s" % e, file=sys.stderr)
        return 2
    finally:
        b.close()


if __name__ == "__main__":
    sys.exit(main())
