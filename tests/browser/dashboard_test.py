#!/usr/bin/env python3
"""The dashboard in headless Chromium, end to end (issue 4).

A real gateway with the store-sqlite, auth-github and dashboard plugins, the
fake OAuth provider in GitHub shape, warren-test-origin and the real `warren`
client. Alice logs in through the provider, sees her tunnels, creates one,
rotates its key, connects a client with the new key and watches the row turn
"connected" without reloading; the old key is refused with 401; she logs out
and the session is gone. A screenshot of every page goes to
<build>/screenshots/dashboard_test/, and any console error fails the test.
"""

import http.client
import json
import os
import secrets
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import browser_harness  # noqa: E402
from browser_harness import HarnessError  # noqa: E402

CLIENT_ID = "warren-dashboard-test"
SECRET_ENV = "WARREN_TEST_GITHUB_SECRET"
PAGE_TIMEOUT = 15  # a page, a fetch, a live update
CLIENT_EXIT_TIMEOUT = 30

GATEWAY_TOML = """\
[server]
listen = "127.0.0.1:0"
domain = "localhost"

[tunnels]
allow_anonymous = true

[plugins]
dir = {plugins_dir}

[store]
plugin = "store-sqlite"
path = "warren.db"

[[auth]]
plugin = "auth-github"
client_id = {client_id}
client_secret_env = {secret_env}
base_url = {base_url}
api_url = {api_url}
admins = ["alice"]

[dashboard]
plugin = "dashboard"
"""

# Reads the key dialog: null while it is closed, else its key and command
# (each from an <input>/<textarea> value or an element's text).
KEY_DIALOG_JS = """
const dialog = document.querySelector("dialog#key-dialog");
if (!dialog || !dialog.open) return null;
const read = (css) => {
  const el = dialog.querySelector(css) || document.querySelector(css);
  if (!el) return "";
  const value = (el.tagName === "INPUT" || el.tagName === "TEXTAREA") ? el.value : el.textContent;
  return (value || "").trim();
};
return {key: read("#key-value"), command: read("#key-command")};
"""


def toml_string(s):
    # A JSON string is a valid TOML basic string (same escapes).
    return json.dumps(s)


def preflight(t):
    """Everything the scenario needs, checked up front so that a missing piece
    is named at once rather than found by a timeout."""
    missing = []
    for binary in ("warren-gateway", "warren", "warren-test-origin"):
        if not os.access(os.path.join(t.args.bin_dir, binary), os.X_OK):
            missing.append(f"{os.path.join(t.args.bin_dir, binary)} (build target {binary})")
    for plugin, target in (("store-sqlite", "warren_store_sqlite"), ("auth-github", "warren_auth_github"),
                           ("dashboard", "warren_dashboard")):
        path = os.path.join(t.args.plugins_dir, f"{plugin}.so")
        if not os.path.exists(path):
            missing.append(f"{path} (build target {target})")
    fake = os.path.join(t.args.source_dir, "tests", "support", "fake_oauth_provider.py")
    if not os.path.exists(fake):
        missing.append(f"{fake} (the fake OAuth provider)")
    if missing:
        raise HarnessError("the dashboard test cannot run; missing:\n    " + "\n    ".join(missing))
    browser_harness.find_browser()


def on_page(b, origin, path):
    """A wait condition: the browser shows origin + path (any query)."""
    def check():
        parts = urllib.parse.urlsplit(b.current_url)
        return f"{parts.scheme}://{parts.netloc}" == origin and parts.path == path
    return check


def accept_any_confirm(b):
    """Accepts a confirm() the page may ask before an action; True if there was one."""
    if b.alert_text() is None:
        return False
    b.accept_alert()
    return True


def key_dialog(b):
    """The open key dialog's {key, command} once it shows a key; else None."""
    accept_any_confirm(b)
    shown = b.execute(KEY_DIALOG_JS)
    return shown if shown and shown.get("key") else None


def close_key_dialog(b):
    b.find("#key-dialog-close").click()
    b.wait_until(lambda: b.execute(KEY_DIALOG_JS) is None, PAGE_TIMEOUT, "dialog#key-dialog to close")


def row_css(name):
    return f'#my-tunnels tr[data-tunnel="{name}"]'


def row_status(b, name):
    return b.find(f"{row_css(name)} .status").text.strip().lower()


def wait_status(b, name, status, timeout=PAGE_TIMEOUT, why=""):
    b.wait_until(lambda: row_status(b, name) == status, timeout,
                 f'the row of tunnel {name} to show status "{status}"{why}')


def get_through_tunnel(gateway_port, name, path):
    """GET path on the tunnel `name`, sent to 127.0.0.1 with the tunnel's Host."""
    conn = http.client.HTTPConnection("127.0.0.1", gateway_port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": f"{name}.localhost:{gateway_port}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def scenario(t):
    preflight(t)
    secret = secrets.token_urlsafe(24)
    # The fake's default users have avatars on an unresolvable https host,
    # which Chromium would report as failed loads: these have none.
    users = [{"login": "alice", "id": 1001, "name": "Alice Liddell", "email": "alice@example.com",
              "avatar_url": "", "orgs": ["acme"], "groups": ["acme/dev"]},
             {"login": "bob", "id": 1002, "name": "Bob Builder", "email": "bob@example.com",
              "avatar_url": "", "orgs": [], "groups": []}]
    fake = t.start_fake_oauth(CLIENT_ID, secret, users)
    config = GATEWAY_TOML.format(
        plugins_dir=toml_string(os.path.abspath(t.args.plugins_dir)),
        client_id=toml_string(CLIENT_ID),
        secret_env=toml_string(SECRET_ENV),
        base_url=toml_string(f"{fake}/github"),
        api_url=toml_string(f"{fake}/github-api"))
    gw_port = t.start_gateway(config, env={SECRET_ENV: secret})
    origin_port = t.start_origin()
    apex = f"http://localhost:{gw_port}"
    b = t.open_browser()

    # 1. Signed out, the dashboard sends the browser to the login page.
    b.get(apex + "/")
    b.wait_until(on_page(b, apex, "/login"), PAGE_TIMEOUT, f"the redirect from {apex}/ to {apex}/login")
    login = b.wait_for('a.login-provider[data-provider="github"]', PAGE_TIMEOUT)
    t.screenshot("login")

    # 2. Through the provider's authorize page and back to the dashboard.
    login.click()
    alice = b.wait_for("#login-as-alice", PAGE_TIMEOUT)
    assert b.current_url.startswith(fake + "/github"), f"expected the fake provider's page, at {b.current_url}"
    t.screenshot("provider")
    alice.click()
    b.wait_until(on_page(b, apex, "/"), PAGE_TIMEOUT, f"the dashboard at {apex}/ after logging in as alice")

    # 3. Her tunnels: the first login created one with a readable name.
    b.wait_for("#my-tunnels", PAGE_TIMEOUT)
    rows = b.wait_until(lambda: b.find_all("#my-tunnels tr[data-tunnel]"), PAGE_TIMEOUT,
                        "at least one tunnel row (tr[data-tunnel]) in #my-tunnels: alice's first tunnel")
    first_tunnel = rows[0].attribute("data-tunnel")
    assert first_tunnel and all(c.isalnum() or c == "-" for c in first_tunnel), \
        f"alice's first tunnel has no readable name: {first_tunnel!r}"
    t.screenshot("dashboard")

    # 4. Create a tunnel: its key is shown once, with the command to use it.
    name = "demo-" + secrets.token_hex(3)
    field = b.find("#new-tunnel-name")
    field.clear()
    field.send_keys(name)
    b.find("#create-tunnel").click()
    created = b.wait_until(lambda: key_dialog(b), PAGE_TIMEOUT, "dialog#key-dialog with the new tunnel's key")
    first_key = created["key"]
    assert first_key.startswith("wk_"), f"#key-value should start with wk_, is {first_key[:3]!r}..."
    assert "warren http 3000" in created["command"] and "--token" in created["command"], \
        f"#key-command should say how to connect (warren http 3000 ... --token ...): {created['command']!r}"
    t.screenshot("key-created")
    close_key_dialog(b)
    b.wait_for(row_css(name), PAGE_TIMEOUT)
    wait_status(b, name, "offline", why=" (created, no client yet)")
    t.screenshot("tunnel-created")

    # 5. Rotate its key (answering the confirm if there is one): a new key.
    b.find(f'{row_css(name)} button[data-action="rotate"]').click()

    def rotated_key():
        shown = key_dialog(b)
        return shown if shown and shown["key"] != first_key else None

    rotated = b.wait_until(rotated_key, PAGE_TIMEOUT, "dialog#key-dialog with a rotated key, different from the first")
    second_key = rotated["key"]
    assert second_key.startswith("wk_"), f"the rotated key should start with wk_, is {second_key[:3]!r}..."
    t.screenshot("key-rotated")
    close_key_dialog(b)

    # 6. The real client with the new key; the row turns "connected" live,
    # with no reload (the page still holds the same document).
    b.execute("window.__warren_test_document = 'kept';")
    _, public_url, connected_name = t.start_client(gw_port, origin_port, second_key)
    assert connected_name == name, f"the client connected as {connected_name}, expected {name} ({public_url})"
    wait_status(b, name, "connected", why=" live, after the client connected (no reload)")
    assert b.execute("return window.__warren_test_document") == "kept", "the page reloaded instead of updating live"
    t.screenshot("connected")
    status, body = get_through_tunnel(gw_port, name, "/echo?from=dashboard-test")
    assert status == 200, f"GET through {public_url} answered {status}: {body[:300]!r}"
    assert json.loads(body).get("target") == "/echo?from=dashboard-test", f"not the origin's echo: {body[:300]!r}"

    # 7. The first key was rotated away: the client is refused with 401 and stops.
    old, _ = t.start("client-old-key", [t.bin("warren"), "http", f"http://127.0.0.1:{origin_port}",
                                        "--server", apex, "--token", first_key])
    code = old.wait_exit(CLIENT_EXIT_TIMEOUT)
    assert code != 0, f"a client with the rotated-away key exited with 0:\n{old.output}"
    assert "401" in old.output, f"a client with the rotated-away key should report 401, said:\n{old.output}"

    # 8. Log out: back on the login page, and the session is gone for good.
    b.find("#logout").click()

    def logged_out():
        accept_any_confirm(b)
        return on_page(b, apex, "/login")()

    b.wait_until(logged_out, PAGE_TIMEOUT, f"{apex}/login after clicking #logout")
    b.wait_for('a.login-provider[data-provider="github"]', PAGE_TIMEOUT)
    t.screenshot("logged-out")
    b.get(apex + "/")
    b.wait_until(on_page(b, apex, "/login"), PAGE_TIMEOUT, f"{apex}/ to send a logged-out browser to /login")
    b.wait_for('a.login-provider[data-provider="github"]', PAGE_TIMEOUT)
    t.screenshot("login-again")

    # 9. No console errors on any page. The fake provider is a fixture, not
    # the product: its missing favicon does not count.
    t.assert_no_console_errors(
        ignore=lambda e: e.get("message", "").startswith(fake + "/favicon.ico"))


if __name__ == "__main__":
    sys.exit(browser_harness.main(scenario, "dashboard_test"))
