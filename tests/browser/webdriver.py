"""A minimal W3C WebDriver client for chromedriver, on the standard library only.

It covers what the browser tests need and nothing else: start chromedriver on
a free loopback port, open one headless Chromium session, navigate, find
elements by CSS, click, type, read text and attributes, run scripts, answer
alert/confirm dialogs, take screenshots and read the browser console log.

Every failed command raises WebDriverError carrying the command and the
driver's own error name and message ("no such element: Unable to locate
element: {...}"), so a test failure says what the browser said.
"""

import base64
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

# The key the W3C protocol wraps element references in.
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"

# The flags the browser tests run Chromium with (issue 4 names the first four).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class WebDriverError(Exception):
    """A WebDriver command failed; `error` is the W3C error name ("no such element")."""

    def __init__(self, command, error, message):
        self.command = command
        self.error = error
        self.message = message
        # chromedriver repeats the error name in the message and appends a
        # session-info line; keep the first line, which says what went wrong.
        first_line = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
        if first_line.startswith(f"{error}: "):
            first_line = first_line[len(error) + 2:]
        super().__init__(f"{command}: {error}: {first_line}")


class WaitTimeout(AssertionError):
    """A wait_until condition did not hold in time."""


class ChromeDriver:
    """A chromedriver process on 127.0.0.1, on a port the kernel picks.

    chromedriver runs in its own process group so that stop() also ends the
    Chromium processes it started, even when a test dies mid-session.
    """

    def __init__(self, executable, log_path, tmp_dir=None):
        self.executable = executable
        self.log_path = log_path
        # TMPDIR for chromedriver and Chromium: their scratch directories
        # (profiles, singleton sockets) go where the test cleans up.
        self.tmp_dir = tmp_dir
        self.process = None
        self.url = None

    def start(self, timeout=30):
        # --port=0: chromedriver binds a free port and prints it, so there is
        # no race between picking a port and binding it.
        self.process = subprocess.Popen(
            [self.executable, "--port=0", "--allowed-ips=127.0.0.1", "--allowed-origins=127.0.0.1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
            errors="replace",
            env=dict(os.environ, TMPDIR=self.tmp_dir) if self.tmp_dir else None,
        )
        port_found = threading.Event()
        port = []

        def pump():
            with open(self.log_path, "w", encoding="utf-8", errors="replace") as log:
                for line in self.process.stdout:
                    log.write(line)
                    log.flush()
                    m = re.search(r"started successfully on port (\d+)", line)
                    if m and not port:
                        port.append(int(m.group(1)))
                        port_found.set()
            port_found.set()

        threading.Thread(target=pump, daemon=True).start()
        if not port_found.wait(timeout) or not port:
            code = self.process.poll()
            self.stop()
            raise RuntimeError(
                f"{self.executable} did not start within {timeout}s (exit code {code}); "
                f"its output is in {self.log_path}:\n{_read_text(self.log_path)}"
            )
        self.url = f"http://127.0.0.1:{port[0]}"
        return self

    def new_session(self, chromium, extra_args=(), user_data_dir=None):
        args = list(CHROMIUM_ARGS) + list(extra_args)
        if user_data_dir:
            args.append(f"--user-data-dir={user_data_dir}")
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
            # Leave alert/confirm dialogs open for the test to answer, instead
            # of the default, which dismisses them and fails the next command.
            "unhandledPromptBehavior": "ignore",
            "pageLoadStrategy": "normal",
        }
        value = _call(self.url, "POST", "/session", {"capabilities": {"alwaysMatch": capabilities}}, timeout=60)
        return Session(self.url, value["sessionId"], value.get("capabilities", {}))

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            _kill_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass
        # Chromium's own children may outlive chromedriver: end the group.
        _kill_group(self.process, signal.SIGKILL)
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.process = None


class Element:
    """A reference to one DOM element in a session."""

    def __init__(self, session, element_id, description):
        self.session = session
        self.id = element_id
        self.description = description

    def _path(self, suffix=""):
        return f"/element/{self.id}{suffix}"

    def click(self):
        self.session._cmd("POST", self._path("/click"), {}, what=f"click {self.description}")

    def send_keys(self, text):
        self.session._cmd("POST", self._path("/value"), {"text": text}, what=f"type into {self.description}")

    def clear(self):
        self.session._cmd("POST", self._path("/clear"), {}, what=f"clear {self.description}")

    @property
    def text(self):
        return self.session._cmd("GET", self._path("/text"), what=f"text of {self.description}")

    def attribute(self, name):
        return self.session._cmd("GET", self._path(f"/attribute/{name}"), what=f"attribute {name} of {self.description}")

    def property(self, name):
        return self.session._cmd("GET", self._path(f"/property/{name}"), what=f"property {name} of {self.description}")

    def find(self, css):
        value = self.session._cmd("POST", self._path("/element"), {"using": "css selector", "value": css},
                                  what=f"find {css!r} in {self.description}")
        return Element(self.session, value[ELEMENT_KEY], f"{self.description} {css}")

    def find_all(self, css):
        values = self.session._cmd("POST", self._path("/elements"), {"using": "css selector", "value": css},
                                   what=f"find all {css!r} in {self.description}")
        return [Element(self.session, v[ELEMENT_KEY], f"{self.description} {css}") for v in values]

    def __repr__(self):
        return f"<Element {self.description}>"


class Session:
    """One browser session (one headless Chromium)."""

    def __init__(self, driver_url, session_id, capabilities):
        self.driver_url = driver_url
        self.id = session_id
        self.capabilities = capabilities
        self._log_endpoint = None

    def _cmd(self, method, path, body=None, what=None, timeout=60):
        return _call(self.driver_url, method, f"/session/{self.id}{path}", body, what=what, timeout=timeout)

    # ---- navigation ----

    def get(self, url):
        self._cmd("POST", "/url", {"url": url}, what=f"navigate to {url}", timeout=120)

    @property
    def current_url(self):
        return self._cmd("GET", "/url", what="current URL")

    @property
    def title(self):
        return self._cmd("GET", "/title", what="title")

    # ---- elements ----

    def find(self, css):
        """The first element matching css; WebDriverError "no such element" if none."""
        value = self._cmd("POST", "/element", {"using": "css selector", "value": css}, what=f"find {css!r}")
        return Element(self, value[ELEMENT_KEY], css)

    def find_all(self, css):
        values = self._cmd("POST", "/elements", {"using": "css selector", "value": css}, what=f"find all {css!r}")
        return [Element(self, v[ELEMENT_KEY], css) for v in values]

    def execute(self, script, *args):
        """Runs script (a function body; arguments in `arguments`) and returns its value."""
        wire_args = [{ELEMENT_KEY: a.id} if isinstance(a, Element) else a for a in args]
        value = self._cmd("POST", "/execute/sync", {"script": script, "args": wire_args}, what="execute script")
        return self._unwrap(value)

    def _unwrap(self, value):
        if isinstance(value, dict) and ELEMENT_KEY in value:
            return Element(self, value[ELEMENT_KEY], "element from script")
        if isinstance(value, list):
            return [self._unwrap(v) for v in value]
        return value

    def wait_until(self, condition, timeout, message, interval=0.1):
        """Polls condition() until it returns something truthy and returns that.

        WebDriver errors inside condition() count as "not yet" (the element
        is not there yet, or is being replaced); the last one is quoted in the
        WaitTimeout, with `message` and the page's URL.
        """
        deadline = time.monotonic() + timeout
        last_error = None
        while True:
            try:
                result = condition()
                if result:
                    return result
            except WebDriverError as e:
                last_error = e
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
        try:
            where = self.current_url
        except WebDriverError as e:
            where = f"(unknown: {e})"
        detail = f"; last error: {last_error}" if last_error else ""
        raise WaitTimeout(f"timed out after {timeout}s waiting for {message} (page: {where}){detail}")

    def wait_for(self, css, timeout=10):
        """The first element matching css, once there is one."""
        return self.wait_until(lambda: self.find(css), timeout, f"an element matching {css!r}")

    # ---- dialogs (alert, confirm, prompt) ----

    def alert_text(self):
        """The open dialog's text, or None when no dialog is open."""
        try:
            return self._cmd("GET", "/alert/text", what="read alert")
        except WebDriverError as e:
            if e.error == "no such alert":
                return None
            raise

    def accept_alert(self):
        self._cmd("POST", "/alert/accept", {}, what="accept alert")

    def dismiss_alert(self):
        self._cmd("POST", "/alert/dismiss", {}, what="dismiss alert")

    # ---- screenshots and logs ----

    def screenshot_png(self):
        data = base64.b64decode(self._cmd("GET", "/screenshot", what="screenshot"))
        if not data.startswith(PNG_SIGNATURE):
            raise WebDriverError("screenshot", "bad screenshot", "the driver returned data that is not a PNG")
        return data

    def save_screenshot(self, path):
        data = self.screenshot_png()
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def browser_log(self):
        """The console entries logged since the last call ({level, message, source, timestamp}).

        chromedriver drains its buffer on every read. Current chromedriver
        answers POST /session/{id}/se/log; older ones only the legacy JSON
        wire endpoint POST /session/{id}/log: try the first, remember which works.
        """
        endpoints = [self._log_endpoint] if self._log_endpoint else ["/se/log", "/log"]
        last = None
        for endpoint in endpoints:
            try:
                entries = self._cmd("POST", endpoint, {"type": "browser"}, what="read browser log")
                self._log_endpoint = endpoint
                return entries or []
            except WebDriverError as e:
                if e.error != "unknown command":
                    raise
                last = e
        raise last

    def quit(self):
        """Ends the session and closes the browser; safe to call twice."""
        if self.id is None:
            return
        try:
            _call(self.driver_url, "DELETE", f"/session/{self.id}", None, what="delete session", timeout=30)
        finally:
            self.id = None


def _call(base_url, method, path, body, what=None, timeout=60):
    """One WebDriver HTTP command; returns its `value` or raises WebDriverError."""
    what = what or f"{method} {path}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
    except urllib.error.HTTPError as e:
        payload = e.read()
    except (urllib.error.URLError, OSError) as e:
        raise WebDriverError(what, "driver unreachable", f"cannot reach chromedriver at {base_url}: {e}") from e
    try:
        value = json.loads(payload.decode("utf-8", errors="replace")).get("value")
    except ValueError as e:
        raise WebDriverError(what, "bad response", f"chromedriver answered non-JSON: {payload[:200]!r}") from e
    if isinstance(value, dict) and "error" in value:
        raise WebDriverError(what, value["error"], value.get("message", ""))
    return value


def _kill_group(process, sig):
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""
