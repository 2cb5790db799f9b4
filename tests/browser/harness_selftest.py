#!/usr/bin/env python3
"""The browser harness tested on its own, without Warren: a few static pages
served from 127.0.0.1 by http.server, opened in headless Chromium.

It proves what the dashboard test relies on: navigation, clicks, typing,
reading text, confirm dialogs, waits that fail with a useful message,
screenshots that are PNG files, child processes and their ready lines, and
above all that the console check catches console.error and uncaught
exceptions while a clean page passes.
"""

import functools
import http.server
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import browser_harness  # noqa: E402
import webdriver  # noqa: E402

# No inline scripts, as under the dashboard's Content-Security-Policy; the
# data: favicon keeps Chromium from asking for /favicon.ico (a 404 is SEVERE).
HEAD = '<meta charset="utf-8"><link rel="icon" href="data:,"><title>{title}</title><script src="{script}" defer></script>'

PAGES = {
    "index.html": "<!doctype html><html><head>" + HEAD.format(title="self-test index", script="index.js")
    + '</head><body><h1 id="heading">Warren harness self-test</h1>'
    '<a id="next" href="form.html">to the form</a></body></html>',
    # Info and warning entries are not errors.
    "index.js": 'console.log("index loaded"); console.warn("a warning is not an error");',
    "form.html": "<!doctype html><html><head>" + HEAD.format(title="self-test form", script="form.js")
    + '</head><body><input id="name" value="prefilled"><p id="echo"></p>'
    '<button id="ask">ask</button><p id="answer"></p></body></html>',
    "form.js": """
        const name = document.getElementById("name");
        name.addEventListener("input", () => { document.getElementById("echo").textContent = name.value; });
        document.getElementById("ask").addEventListener("click", () => {
          document.getElementById("answer").textContent = confirm("Proceed?") ? "accepted" : "dismissed";
        });
    """,
    "console-error.html": "<!doctype html><html><head>" + HEAD.format(title="console.error", script="console-error.js")
    + "</head><body>logs an error</body></html>",
    "console-error.js": 'console.error("selftest-boom");',
    "throws.html": "<!doctype html><html><head>" + HEAD.format(title="throws", script="throws.js")
    + "</head><body>throws</body></html>",
    "throws.js": 'throw new Error("selftest-uncaught");',
}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    """A static file server on 127.0.0.1:<free port> in a thread; returns (server, base URL)."""
    handler = functools.partial(QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def expect_raises(exc_type, fn, contains=()):
    try:
        fn()
    except exc_type as e:
        for text in contains:
            assert text in str(e), f"expected {text!r} in the error message, got: {e}"
        return e
    raise AssertionError(f"expected {exc_type.__name__}, nothing was raised")


def check_processes(t):
    # A ready line is found and its groups returned; the process is stopped at the end.
    p, m = t.start("ready-child", [sys.executable, "-c",
                                   "import sys, time; print('noise'); print('ready on 4242', flush=True); time.sleep(60)"],
                   ready=r"ready on (\d+)")
    assert m.group(1) == "4242", m.group(0)
    # A process that dies before its ready line is reported with its exit code and output.
    expect_raises(browser_harness.HarnessError,
                  lambda: t.start("dying-child", [sys.executable, "-c", "print('cannot start'); raise SystemExit(3)"],
                                  ready=r"never printed"),
                  contains=("dying-child exited with code 3", "cannot start"))
    p.stop()
    assert p.popen.poll() is not None, "stop() left the child running"
    code = t.start("short-child", [sys.executable, "-c", "raise SystemExit(5)"])[0].wait_exit(10)
    assert code == 5, code
    # Secrets on a command line are not printed when a failure dumps the processes.
    assert browser_harness.redact(["warren", "--token", "wk_secret", "--client-secret", "s3", "--name", "x"]) == \
        ["warren", "--token", "<redacted>", "--client-secret", "<redacted>", "--name", "x"]


def check_browser(t, base):
    b = t.open_browser()
    b.get(base + "/index.html")
    assert b.find("#heading").text == "Warren harness self-test"
    assert b.title == "self-test index", b.title
    shot = t.screenshot("index")
    with open(shot, "rb") as f:
        assert f.read(8) == webdriver.PNG_SIGNATURE, f"{shot} is not a PNG"
    assert os.path.basename(shot) == "01-index.png", shot

    b.find("a#next").click()
    b.wait_until(lambda: b.current_url.endswith("/form.html"), 10, "the form page after clicking the link")
    field = b.wait_for("#name")
    assert field.property("value") == "prefilled"
    field.clear()
    assert field.property("value") == ""
    field.send_keys("hello warren")
    b.wait_until(lambda: b.find("#echo").text == "hello warren", 10, "#echo to repeat what was typed")
    assert b.execute("return document.getElementById(arguments[0]).value", "name") == "hello warren"
    assert b.execute("return arguments[0].id", field).lower() == "name"

    # A confirm() dialog: it stays open until answered.
    assert b.alert_text() is None
    b.find("#ask").click()
    text = b.wait_until(b.alert_text, 10, "the confirm dialog")
    assert text == "Proceed?", text
    b.accept_alert()
    b.wait_until(lambda: b.find("#answer").text == "accepted", 10, "#answer to say the dialog was accepted")
    t.screenshot("form")

    # Errors say what went wrong.
    missing = expect_raises(webdriver.WebDriverError, lambda: b.find("#does-not-exist"))
    assert missing.error == "no such element", missing.error
    expect_raises(webdriver.WaitTimeout, lambda: b.wait_until(lambda: False, 0.3, "a thing that never happens"),
                  contains=("a thing that never happens", "/form.html", "0.3s"))
    expect_raises(webdriver.WaitTimeout, lambda: b.wait_for("#not-there", timeout=0.3),
                  contains=("#not-there", "no such element"))

    # The console check: clean pages (log and warn only) pass...
    t.assert_no_console_errors()
    infos = [e["message"] for e in t.console]
    assert any("index loaded" in m for m in infos), f"console.log was not captured: {infos}"

    # ...console.error is caught...
    b.get(base + "/console-error.html")
    b.wait_until(lambda: any("selftest-boom" in e["message"] for e in t.console_errors()), 10,
                 "the console.error entry in the browser log")
    expect_raises(AssertionError, t.assert_no_console_errors, contains=("selftest-boom", "1 console error"))
    # ...and so is an uncaught exception.
    b.get(base + "/throws.html")
    b.wait_until(lambda: any("selftest-uncaught" in e["message"] for e in t.console_errors()), 10,
                 "the uncaught exception in the browser log")
    # A test may excuse entries it expects.
    t.assert_no_console_errors(ignore=lambda e: "selftest-" in e["message"])
    t.screenshot("after-errors")


def scenario(t):
    site = os.path.join(t.dir, "site")
    os.makedirs(site)
    for name, body in PAGES.items():
        with open(os.path.join(site, name), "w", encoding="utf-8") as f:
            f.write(body)
    server, base = serve(site)
    try:
        check_processes(t)
        check_browser(t, base)
    finally:
        server.shutdown()
        server.server_close()
    shots = sorted(os.listdir(t.screenshots))
    assert shots == ["01-index.png", "02-form.png", "03-after-errors.png"], shots


if __name__ == "__main__":
    sys.exit(browser_harness.main(scenario, "harness_selftest"))
