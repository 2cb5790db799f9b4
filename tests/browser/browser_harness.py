"""What a browser test needs around the browser: the processes under test,
a headless Chromium, screenshots, the console check, and cleanup.

A test is a linear scenario inside `with browser_test("name") as t:`. On the
way out, whatever happened, the browser is closed and every child process is
stopped (also on SIGTERM from ctest's timeout, through atexit). When the
scenario raises, the harness first saves `failure.png`, prints the page's URL
and text, the console entries so far and every child process's output.

Command line of every test (CMakeLists.txt passes them):
  --bin-dir DIR          warren-gateway, warren, warren-test-origin
  --plugins-dir DIR      the built plugins (dashboard.so, auth-github.so, ...)
  --screenshots-dir DIR  screenshots go to DIR/<test>/<NN>-<step>.png
  --source-dir DIR       the source tree (tests/support/fake_oauth_provider.py)
"""

import argparse
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import webdriver

STARTUP_TIMEOUT = 30


class HarnessError(Exception):
    """The test's surroundings are wrong (a tool is missing, a process did not start)."""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="a Warren browser test")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--bin-dir", default=os.environ.get("WARREN_BIN_DIR", ""))
    parser.add_argument("--plugins-dir", default=os.environ.get("WARREN_PLUGINS_DIR", ""))
    parser.add_argument("--screenshots-dir", default=os.environ.get("WARREN_SCREENSHOTS_DIR", "screenshots"))
    parser.add_argument("--source-dir", default=os.path.normpath(os.path.join(here, "..", "..")))
    return parser.parse_args(argv)


def find_browser():
    """(chromium, chromedriver) paths; a HarnessError saying how to install them if missing."""
    chromium = os.environ.get("WARREN_CHROMIUM") or shutil.which("chromium")
    chromedriver = os.environ.get("WARREN_CHROMEDRIVER") or shutil.which("chromedriver")
    missing = [name for name, path in (("chromium", chromium), ("chromedriver (package chromium-driver)", chromedriver))
               if not path]
    if missing:
        raise HarnessError(
            f"{' and '.join(missing)} not found on PATH: the browser tests need Debian's chromium and "
            "chromium-driver packages; run `make deps` (or `make deps-test`) to install them")
    return chromium, chromedriver


# ---- processes ----

_live_processes = set()


class Process:
    """A child process whose output (stdout and stderr together) is kept in memory
    and in a log file, so a test can wait for a line and print it all on failure."""

    def __init__(self, name, argv, cwd=None, env=None, log_dir=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.lines = []
        self._cond = threading.Condition()
        self._eof = False
        log_dir = log_dir or tempfile.gettempdir()
        self.log_path = os.path.join(log_dir, f"{name}.log")
        full_env = dict(os.environ)
        full_env.update(env or {})
        try:
            self.popen = subprocess.Popen(
                self.argv, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)
        except OSError as e:
            raise HarnessError(f"cannot start {name} ({' '.join(self.argv)}): {e}") from e
        _live_processes.add(self)
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self):
        with open(self.log_path, "w", encoding="utf-8", errors="replace") as log:
            for line in self.popen.stdout:
                log.write(line)
                log.flush()
                with self._cond:
                    self.lines.append(line.rstrip("\n"))
                    self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    @property
    def output(self):
        with self._cond:
            return "\n".join(self.lines)

    def wait_for_line(self, pattern, timeout=STARTUP_TIMEOUT, what=None):
        """The re.Match of the first output line matching pattern (searched, not
        matched); HarnessError if the process exits or the time runs out first."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                for line in self.lines[seen:]:
                    m = regex.search(line)
                    if m:
                        return m
                seen = len(self.lines)
                if self._eof:
                    self.popen.wait()
                    raise HarnessError(
                        f"{self.name} exited with code {self.popen.returncode} before printing "
                        f"{what or pattern!r}; its output:\n{self._tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HarnessError(
                        f"{self.name} did not print {what or pattern!r} within {timeout}s; "
                        f"its output so far:\n{self._tail()}")
                self._cond.wait(left)

    def wait_exit(self, timeout):
        """The exit code, once the process has exited and its output is read."""
        try:
            code = self.popen.wait(timeout)
        except subprocess.TimeoutExpired as e:
            raise HarnessError(f"{self.name} was still running after {timeout}s; its output:\n{self._tail()}") from e
        self._reader.join(5)
        return code

    def _tail(self, count=80):
        return "\n".join("    " + line for line in self.lines[-count:]) or "    (no output)"

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s, to the process's whole group."""
        if self.popen.poll() is None:
            _signal_group(self.popen, signal.SIGTERM)
            try:
                self.popen.wait(5)
            except subprocess.TimeoutExpired:
                _signal_group(self.popen, signal.SIGKILL)
                self.popen.wait(5)
        self._reader.join(5)
        _live_processes.discard(self)

    def dump(self, out=sys.stderr):
        code = self.popen.poll()
        state = "running" if code is None else f"exited with code {code}"
        print(f"---- {self.name} ({state}): {' '.join(redact(self.argv))}", file=out)
        print(self._tail(200), file=out)


# Flags whose value is a secret (an API key, an OAuth client secret): never printed.
SECRET_FLAGS = ("--token", "--client-secret")


def redact(argv):
    return ["<redacted>" if i > 0 and argv[i - 1] in SECRET_FLAGS else a for i, a in enumerate(argv)]


def _signal_group(popen, sig):
    try:
        os.killpg(popen.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stop_all_processes():
    for p in list(_live_processes):
        try:
            p.stop()
        except Exception as e:  # cleanup must go on with the others
            print(f"browser_harness: could not stop {p.name}: {e}", file=sys.stderr)


atexit.register(_stop_all_processes)


def _exit_on_sigterm(signum, _frame):
    # ctest kills a test that runs over its TIMEOUT: turn that into a normal
    # exit so that finally blocks and atexit stop the children.
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _exit_on_sigterm)


# ---- the test run ----

class BrowserTest:
    """One scenario: a temp dir, the child processes, one browser session."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args or parse_args([])
        self.dir = None
        self.screenshots = os.path.abspath(os.path.join(self.args.screenshots_dir, name))
        self.processes = []
        self.console = []  # every console entry seen so far, in order
        self.driver = None
        self.browser = None
        self._shot = 0

    # -- lifecycle --

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix=f"warren-{self.name}-")
        shutil.rmtree(self.screenshots, ignore_errors=True)
        os.makedirs(self.screenshots, exist_ok=True)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._report_failure(exc_type, exc, tb)
        self.close()
        return False

    def close(self):
        # The browser first: it must not see the servers go away under it.
        if self.browser is not None:
            try:
                self.browser.quit()
            except webdriver.WebDriverError as e:
                print(f"browser_harness: closing the browser: {e}", file=sys.stderr)
            self.browser = None
        if self.driver is not None:
            self.driver.stop()
            self.driver = None
        for p in reversed(self.processes):
            p.stop()
        self.processes = []
        shutil.rmtree(self.dir, ignore_errors=True)

    def _report_failure(self, exc_type, exc, tb):
        out = sys.stderr
        print(f"\n==== {self.name} FAILED: {exc_type.__name__}: {exc}", file=out)
        traceback.print_tb(tb, file=out)
        if self.browser is not None:
            try:
                path = self.browser.save_screenshot(os.path.join(self.screenshots, "failure.png"))
                print(f"screenshot of the failure: {path}", file=out)
            except webdriver.WebDriverError as e:
                print(f"(no failure screenshot: {e})", file=out)
            try:
                print(f"page URL: {self.browser.current_url}", file=out)
                text = self.browser.execute("return document.body ? document.body.innerText : ''") or ""
                print("page text:\n    " + "\n    ".join(text[:3000].splitlines()), file=out)
            except webdriver.WebDriverError as e:
                print(f"(no page URL/text: {e})", file=out)
            try:
                self.collect_console()
            except webdriver.WebDriverError:
                pass
            if self.console:
                print("console entries:", file=out)
                for entry in self.console:
                    print(f"    {format_entry(entry)}", file=out)
        for p in self.processes:
            p.dump(out)
        # The temp dir goes away: keep its logs (processes, chromedriver) beside the screenshots.
        kept = os.path.join(self.screenshots, "logs")
        os.makedirs(kept, exist_ok=True)
        for name in os.listdir(self.dir):
            if name.endswith(".log"):
                shutil.copy(os.path.join(self.dir, name), kept)
        print(f"logs kept in {kept}", file=out)

    # -- processes --

    def start(self, name, argv, ready=None, cwd=None, env=None, what=None):
        """Starts a child process (stopped at the end) and waits for its ready line.
        Returns (process, match) where match is the ready line's re.Match or None."""
        p = Process(name, argv, cwd=cwd or self.dir, env=env, log_dir=self.dir)
        self.processes.append(p)
        m = p.wait_for_line(ready, what=what) if ready else None
        return p, m

    def bin(self, name):
        path = os.path.join(self.args.bin_dir, name)
        if not os.access(path, os.X_OK):
            raise HarnessError(f"{path} is missing: build it first (cmake --build build --target {name})")
        return path

    def start_origin(self):
        """warren-test-origin on a free loopback port; returns its port."""
        _, m = self.start("origin", [self.bin("warren-test-origin"), "--listen", "127.0.0.1:0"],
                          ready=r"origin listening on 127\.0\.0\.1:(\d+)")
        return int(m.group(1))

    def start_gateway(self, config_toml, env=None, name="gateway"):
        """warren-gateway with config_toml written to <temp>/<name>/gateway.toml
        (relative paths in it are relative to that directory); returns its port."""
        gw_dir = os.path.join(self.dir, name)
        os.makedirs(gw_dir, exist_ok=True)
        config = os.path.join(gw_dir, "gateway.toml")
        with open(config, "w", encoding="utf-8") as f:
            f.write(config_toml)
        _, m = self.start(name, [self.bin("warren-gateway"), "--config", config], cwd=gw_dir, env=env,
                          ready=r"listening on (https?)://127\.0\.0\.1:(\d+)", what="listening on http://127.0.0.1:PORT")
        return int(m.group(2))

    def start_client(self, gateway_port, origin_port, token, name="client"):
        """The real `warren` client; returns (process, public URL, tunnel name)."""
        p, m = self.start(name, [self.bin("warren"), "http", f"http://127.0.0.1:{origin_port}",
                                 "--server", f"http://localhost:{gateway_port}", "--token", token],
                          ready=r"Forwarding (https?://(\S+?)\.localhost:\d+) -> ", what="Forwarding URL -> ")
        return p, m.group(1), m.group(2)

    def start_fake_oauth(self, client_id, client_secret, users=None):
        """tests/support/fake_oauth_provider.py (with `users`, a list of user dicts, instead of its
        defaults when given); returns its base URL http://127.0.0.1:PORT."""
        script = os.path.join(self.args.source_dir, "tests", "support", "fake_oauth_provider.py")
        if not os.path.exists(script):
            raise HarnessError(f"{script} is missing (the fake OAuth provider the dashboard test logs in with)")
        argv = [sys.executable, script, "--port", "0", "--client-id", client_id, "--client-secret", client_secret]
        if users is not None:
            users_file = os.path.join(self.dir, "fake-oauth-users.json")
            with open(users_file, "w") as f:
                json.dump(users, f)
            argv += ["--users", users_file]
        _, m = self.start("fake-oauth", argv, ready=r"fake-oauth listening on (http://127\.0\.0\.1:\d+)")
        return m.group(1)

    # -- the browser --

    def open_browser(self):
        chromium, chromedriver = find_browser()
        tmp = os.path.join(self.dir, "chromium-tmp")
        os.makedirs(tmp)
        self.driver = webdriver.ChromeDriver(chromedriver, os.path.join(self.dir, "chromedriver.log"), tmp).start()
        profile = os.path.join(self.dir, "chromium-profile")
        self.browser = self.driver.new_session(chromium, user_data_dir=profile)
        return self.browser

    def screenshot(self, step):
        """Saves <screenshots>/<test>/<NN>-<step>.png and returns its path."""
        self._shot += 1
        path = os.path.join(self.screenshots, f"{self._shot:02d}-{step}.png")
        self.browser.save_screenshot(path)
        self.collect_console()
        return path

    def collect_console(self):
        """Reads the console entries logged since the last read into self.console."""
        entries = self.browser.browser_log()
        self.console.extend(entries)
        return entries

    def console_errors(self, ignore=None):
        """The entries that fail a test: level SEVERE, which is every console.error,
        uncaught exception, failed resource load and CSP violation. ignore(entry)
        may excuse some (e.g. a test fixture's own favicon)."""
        self.collect_console()
        return [e for e in self.console if is_error(e) and not (ignore and ignore(e))]

    def assert_no_console_errors(self, ignore=None):
        errors = self.console_errors(ignore)
        if errors:
            listing = "\n".join("    " + format_entry(e) for e in errors)
            raise AssertionError(f"{len(errors)} console error(s) in the browser:\n{listing}")


def is_error(entry):
    return entry.get("level") == "SEVERE"


def format_entry(entry):
    return f"[{entry.get('level')}] ({entry.get('source', '?')}) {entry.get('message', '')}"


def browser_test(name, argv=None):
    return BrowserTest(name, parse_args(argv))


def main(scenario, name):
    """Runs scenario(t) inside a BrowserTest; exit code 0 on success, 1 on failure
    (the failure is reported by BrowserTest.__exit__)."""
    t = browser_test(name)
    try:
        with t:
            scenario(t)
    except Exception:
        print(f"{name}: FAILED (see above); screenshots in {t.screenshots}", file=sys.stderr)
        return 1
    print(f"{name}: passed; screenshots in {t.screenshots}")
    return 0
