#!/usr/bin/env python3
"""A fake OAuth 2 provider speaking both GitHub's and GitLab's dialects, for tests.

    python3 fake_oauth_provider.py [--port N] [--users FILE.json]
                                   [--client-id ID] [--client-secret SECRET]
                                   [--code-ttl SECONDS]

Listens on 127.0.0.1 (port 0 = any free one) and prints, flushed, once ready:

    fake-oauth listening on http://127.0.0.1:PORT

Python 3 standard library only. One process serves both shapes (P = the port):

  GitHub    base_url http://127.0.0.1:P/github       api_url http://127.0.0.1:P/github-api
    GET  /github/login/oauth/authorize       the consent page (see below)
    POST /github/login/oauth/access_token    code -> token; failures are 200 + {"error": ...}
    GET  /github-api/user                    {id, login, name, email, avatar_url}
    GET  /github-api/user/emails             [{email, primary, verified, visibility}] (needs user:email)
    GET  /github-api/user/orgs               [{id, login}] (private memberships need read:org)

  GitLab    base_url http://127.0.0.1:P/gitlab       api_url http://127.0.0.1:P/gitlab/api/v4
    GET  /gitlab/oauth/authorize             the consent page (see below)
    POST /gitlab/oauth/token                 code -> token; failures are 400/401 + {"error": ...}
    GET  /gitlab/api/v4/user                 {id, username, name, email, public_email, avatar_url, state}
    GET  /gitlab/api/v4/groups               [{id, name, path, full_path}] (needs read_api)
    (the same API also under /gitlab-api/, for tests of an api_url override)

  authorize checks client_id, redirect_uri, state, code_challenge and
  code_challenge_method=S256 (and response_type=code for GitLab): 400 and a
  line of text when one is wrong. Then:
    &login_as=LOGIN   302 to redirect_uri?code=...&state=... at once;
    &deny=1           302 to redirect_uri?error=access_denied&state=...;
    neither           an HTML page "Sign in to Fake GitHub as:" with one link
                      per user, id="login-as-LOGIN", pointing at the same URL
                      plus &login_as=LOGIN (and a "Deny" link, id="deny").
  token checks client_id, client_secret, the redirect_uri given at authorize,
  that the code is known, unused and unexpired, and PKCE S256:
  base64url(sha256(code_verifier)), unpadded, == code_challenge.
  API calls need "Authorization: Bearer <a token this process issued>" (401).
  Lists are paginated like the real APIs (?per_page, default 30, max 100;
  ?page; a Link: <...>; rel="next" header when there is more).

Users (the default set, replaced by --users FILE or POST /_control/users), a
JSON list of objects:
  {"login": "alice", "id": 1001, "name": "Alice Liddell",
   "email": "alice@example.com" | null, "avatar_url": "...",
   "orgs": ["acme"], "groups": ["acme/dev"],
   optional: "emails": [{"email", "primary", "verified"}] (GitHub /user/emails;
   default: the email, primary and verified), "public_email" (GitLab),
   "state": "active" | "blocked" (GitLab)}
Defaults: alice 1001 (org acme, group acme/dev), bob 1002 (no org or group,
no public email: /user/emails has his primary one), carol 1003 (org widgets,
group widgets).

Control, for tests (JSON in and out):
  GET  /_control/requests   every request so far except /_control ones:
                            [{method, path, query: {k: v}, form: {k: v},
                              headers: {accept, authorization, content-type, user-agent}}]
  POST /_control/reset      forget requests, codes, tokens, failures and delays;
                            back to the starting users
  POST /_control/users      replace the users (the JSON list above)
  POST /_control/fail       {"status": 500, "count": 1, "body": "...", "path": "..."}:
                            the next `count` token/API calls (to `path` only, when
                            given, e.g. "/github-api/user") answer that (body
                            default {"message": "fake failure"}; any text for garbage)
  POST /_control/delay      {"seconds": 3, "count": 1, "path": "..."}: sleep before
                            the next `count` token/API calls (count absent: all,
                            until reset)
  POST /_control/expire     every code issued so far is expired
"""

import argparse
import base64
import hashlib
import html
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_USERS = [
    {"login": "alice", "id": 1001, "name": "Alice Liddell", "email": "alice@example.com",
     "avatar_url": "https://avatars.example/alice.png", "orgs": ["acme"], "groups": ["acme/dev"]},
    {"login": "bob", "id": 1002, "name": "Bob Builder", "email": None,
     "avatar_url": "https://avatars.example/bob.png", "orgs": [], "groups": [],
     "emails": [{"email": "bob@old.example", "primary": False, "verified": True},
                {"email": "bob@unverified.example", "primary": True, "verified": False},
                {"email": "bob@example.com", "primary": True, "verified": True}]},
    {"login": "carol", "id": 1003, "name": "Carol Admin", "email": "carol@example.com",
     "avatar_url": "https://avatars.example/carol.png", "orgs": ["widgets"], "groups": ["widgets"]},
]

# The GitLab API answers here too, for tests of an api_url that is not
# <base_url>/api/v4.
GITLAB_API_ALIAS = "/gitlab-api/"

SHAPES = {
    # shape: (display name, authorize path, token path)
    "github": ("GitHub", "/github/login/oauth/authorize", "/github/login/oauth/access_token"),
    "gitlab": ("GitLab", "/gitlab/oauth/authorize", "/gitlab/oauth/token"),
}


class State:
    """Everything the fake remembers, behind one lock (the server is threaded)."""

    def __init__(self, args, users):
        self.lock = threading.Lock()
        self.client_id = args.client_id
        self.client_secret = args.client_secret
        self.code_ttl = args.code_ttl
        self.initial_users = users
        self.reset()

    def reset(self):
        self.users = [dict(u) for u in self.initial_users]
        self.codes = {}     # code -> grant
        self.tokens = {}    # access token -> {"login", "shape", "scopes"}
        self.requests = []
        self.fail = None    # {"status", "count", "body"}
        self.delay = None   # {"seconds", "count" or None}

    def user(self, login):
        return next((u for u in self.users if u.get("login") == login), None)


def b64url_sha256(text):
    digest = hashlib.sha256(text.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def with_query(url, params):
    """url with params appended to its query (keeping what it had)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(params)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-oauth/1"
    state = None  # set in main()

    # ---- plumbing ----

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        sys.stderr.write("fake-oauth: %s %s\n" % (self.address_string(), format % args))

    def send(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, status, value, headers=()):
        self.send(status, json.dumps(value), headers=headers)

    def redirect(self, location):
        self.send(302, "", "text/plain", [("Location", location)])

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def parsed(self):
        url = urllib.parse.urlsplit(self.path)
        return url.path, dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))

    def record(self, path, query, form):
        headers = {k: self.headers.get(k) for k in ("accept", "authorization", "content-type", "user-agent")}
        with self.state.lock:
            self.state.requests.append({"method": self.command, "path": path, "query": query,
                                        "form": form, "headers": headers})

    def injected_failure(self, path):
        """Applies /_control/delay, then answers a /_control/fail if one is due for `path`."""
        st = self.state

        def due(rule):
            return rule is not None and rule.get("path") in (None, path)

        with st.lock:
            delay = st.delay if due(st.delay) else None
            if delay is not None and delay["count"] is not None:
                delay["count"] -= 1
                if delay["count"] <= 0:
                    st.delay = None
            fail = st.fail if due(st.fail) else None
            if fail is not None:
                fail["count"] -= 1
                if fail["count"] <= 0:
                    st.fail = None
        if delay is not None:
            time.sleep(delay["seconds"])
        if fail is None:
            return False
        body = fail.get("body")
        if body is None:
            self.send_json(fail["status"], {"message": "fake failure"})
        else:
            self.send(fail["status"], body, "text/html")
        return True

    # ---- dispatch ----

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def dispatch(self):
        path, query = self.parsed()
        body = self.read_body()
        if path.startswith("/_control/"):
            return self.control(path, body)
        form = {}
        if self.command == "POST":
            form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        self.record(path, query, form)

        for shape, (_, authorize, token) in SHAPES.items():
            if path == authorize and self.command == "GET":
                return self.authorize(shape, query)
            if path == token and self.command == "POST":
                return self.token(shape, form, path)
        if path.startswith(GITLAB_API_ALIAS):
            path = "/gitlab/api/v4/" + path[len(GITLAB_API_ALIAS):]
        api = {
            ("GET", "/github-api/user"): self.github_user,
            ("GET", "/github-api/user/emails"): self.github_emails,
            ("GET", "/github-api/user/orgs"): self.github_orgs,
            ("GET", "/gitlab/api/v4/user"): self.gitlab_user,
            ("GET", "/gitlab/api/v4/groups"): self.gitlab_groups,
        }.get((self.command, path))
        if api is None:
            return self.send_json(404, {"message": "Not Found"})
        if self.injected_failure(path):
            return
        shape = "github" if path.startswith("/github-api/") else "gitlab"
        grant = self.bearer(shape)
        if grant is None:
            return self.send_json(401, {"message": "Bad credentials"} if shape == "github"
                                  else {"error": "invalid_token"})
        user = self.state.user(grant["login"])
        if user is None:
            return self.send_json(401, {"message": "user gone"})
        return api(user, grant, query)

    # ---- authorize ----

    def authorize(self, shape, q):
        display = SHAPES[shape][0]
        problems = []
        if q.get("client_id") != self.state.client_id:
            problems.append("unknown client_id")
        if not q.get("redirect_uri"):
            problems.append("redirect_uri missing")
        if not q.get("state"):
            problems.append("state missing")
        if not q.get("code_challenge"):
            problems.append("code_challenge missing")
        if q.get("code_challenge_method") != "S256":
            problems.append("code_challenge_method must be S256")
        if shape == "gitlab" and q.get("response_type") != "code":
            problems.append("response_type must be code")
        if problems:
            return self.send(400, "fake %s: %s\n" % (display, "; ".join(problems)), "text/plain")

        redirect_uri = q["redirect_uri"]
        if q.get("deny") == "1":
            return self.redirect(with_query(redirect_uri, [("error", "access_denied"), ("state", q["state"])]))
        login = q.get("login_as")
        if login is None:
            return self.consent_page(display, q)
        if self.state.user(login) is None:
            return self.send(400, "fake %s: no user %s\n" % (display, login), "text/plain")
        code = secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.codes[code] = {
                "shape": shape, "login": login, "redirect_uri": redirect_uri,
                "challenge": q["code_challenge"], "scopes": q.get("scope", "").split(),
                "expires": time.monotonic() + self.state.code_ttl, "used": False,
            }
        return self.redirect(with_query(redirect_uri, [("code", code), ("state", q["state"])]))

    def consent_page(self, display, q):
        here = self.path
        links = []
        for u in self.state.users:
            login = u.get("login", "")
            href = with_query(here, [("login_as", login)])
            links.append('<li><a id="login-as-%s" href="%s">%s</a> (%s)</li>' % (
                html.escape(login), html.escape(href), html.escape(login), html.escape(u.get("name") or "")))
        deny = with_query(here, [("deny", "1")])
        page = ("<!doctype html><html><head><title>Fake %s</title></head><body>"
                "<h1>Sign in to Fake %s as:</h1><ul>%s</ul>"
                '<p><a id="deny" href="%s">Deny</a></p></body></html>') % (
            display, display, "".join(links), html.escape(deny))
        self.send(200, page, "text/html; charset=utf-8")

    # ---- token ----

    def token(self, shape, form, path):
        if self.injected_failure(path):
            return
        st = self.state

        def refuse(error, description):
            # GitHub answers 200 with an error object; GitLab a 400/401.
            body = {"error": error, "error_description": description}
            if shape == "github":
                return self.send_json(200, body)
            status = 401 if error == "invalid_client" else 400
            return self.send_json(status, body)

        if form.get("client_id") != st.client_id or form.get("client_secret") != st.client_secret:
            return refuse("incorrect_client_credentials" if shape == "github" else "invalid_client",
                          "The client_id and/or client_secret passed are incorrect.")
        if shape == "gitlab" and form.get("grant_type") != "authorization_code":
            return refuse("unsupported_grant_type", "grant_type must be authorization_code")
        bad_code = "bad_verification_code" if shape == "github" else "invalid_grant"
        with st.lock:
            grant = st.codes.get(form.get("code", ""))
            if grant is None or grant["shape"] != shape:
                return refuse(bad_code, "The code passed is incorrect or expired.")
            if grant["used"]:
                return refuse(bad_code, "The code passed has already been used.")
            grant["used"] = True  # single use, whatever happens next
            if time.monotonic() > grant["expires"]:
                return refuse(bad_code, "The code passed is incorrect or expired.")
            if form.get("redirect_uri") != grant["redirect_uri"]:
                return refuse("redirect_uri_mismatch" if shape == "github" else "invalid_grant",
                              "The redirect_uri MUST match the registered callback URL for this application.")
            if b64url_sha256(form.get("code_verifier", "")) != grant["challenge"]:
                return refuse(bad_code if shape == "github" else "invalid_grant",
                              "The code_verifier does not match the code_challenge.")
            access = secrets.token_urlsafe(32)
            st.tokens[access] = {"login": grant["login"], "shape": shape, "scopes": grant["scopes"]}
        if shape == "github":
            return self.send_json(200, {"access_token": access, "token_type": "bearer",
                                        "scope": ",".join(grant["scopes"])})
        return self.send_json(200, {"access_token": access, "token_type": "Bearer", "expires_in": 7200,
                                    "refresh_token": secrets.token_urlsafe(32),
                                    "scope": " ".join(grant["scopes"]), "created_at": int(time.time())})

    def bearer(self, shape):
        value = self.headers.get("Authorization") or ""
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self.state.lock:
            grant = self.state.tokens.get(token.strip())
        return grant if grant is not None and grant["shape"] == shape else None

    # ---- lists ----

    def send_page(self, items, query):
        """Paginates like GitHub and GitLab: per_page (max 100), page, Link rel=next."""
        try:
            per_page = max(1, min(100, int(query.get("per_page", "30"))))
            page = max(1, int(query.get("page", "1")))
        except ValueError:
            return self.send_json(400, {"message": "bad pagination"})
        start = (page - 1) * per_page
        headers = []
        if start + per_page < len(items):
            host = "http://%s:%d" % self.server.server_address[:2]
            path = urllib.parse.urlsplit(self.path).path
            nxt = dict(query, page=str(page + 1))
            headers.append(("Link", '<%s%s?%s>; rel="next"' % (host, path, urllib.parse.urlencode(nxt))))
        self.send_json(200, items[start:start + per_page], headers)

    # ---- GitHub API ----

    def github_user(self, user, grant, query):
        self.send_json(200, {"id": user["id"], "login": user["login"], "name": user.get("name"),
                             "email": user.get("email"), "avatar_url": user.get("avatar_url"),
                             "type": "User"})

    def github_emails(self, user, grant, query):
        if not ({"user:email", "user"} & set(grant["scopes"])):
            return self.send_json(404, {"message": "Not Found"})
        emails = user.get("emails")
        if emails is None:
            emails = [{"email": user["email"], "primary": True, "verified": True}] if user.get("email") else []
        self.send_page([dict(e, visibility=None) for e in emails], query)

    def github_orgs(self, user, grant, query):
        # Without read:org GitHub lists public memberships only; here all are private.
        orgs = user.get("orgs", []) if "read:org" in grant["scopes"] else []
        self.send_page([{"id": 5000 + i, "login": o} for i, o in enumerate(orgs)], query)

    # ---- GitLab API ----

    def gitlab_user(self, user, grant, query):
        self.send_json(200, {"id": user["id"], "username": user["login"], "name": user.get("name"),
                             "email": user.get("email"), "public_email": user.get("public_email", ""),
                             "avatar_url": user.get("avatar_url"), "state": user.get("state", "active"),
                             "web_url": "http://gitlab.example/" + user["login"]})

    def gitlab_groups(self, user, grant, query):
        if "read_api" not in grant["scopes"] and "api" not in grant["scopes"]:
            return self.send_json(403, {"error": "insufficient_scope"})
        if query.get("min_access_level") not in (None, "10"):
            return self.send_json(400, {"message": "this fake only knows min_access_level=10"})
        groups = [{"id": 7000 + i, "name": g.rsplit("/", 1)[-1], "path": g.rsplit("/", 1)[-1], "full_path": g}
                  for i, g in enumerate(user.get("groups", []))]
        self.send_page(groups, query)

    # ---- control ----

    def control(self, path, body):
        st = self.state
        try:
            data = json.loads(body) if body.strip() else None
        except ValueError:
            return self.send_json(400, {"message": "body is not JSON"})
        if self.command == "GET" and path == "/_control/requests":
            with st.lock:
                return self.send_json(200, st.requests)
        if self.command != "POST":
            return self.send_json(404, {"message": "Not Found"})
        if path == "/_control/reset":
            with st.lock:
                st.reset()
        elif path == "/_control/users":
            if not isinstance(data, list) or not all(isinstance(u, dict) and "login" in u and "id" in u
                                                     for u in data):
                return self.send_json(400, {"message": "expected a list of {login, id, ...}"})
            with st.lock:
                st.users = data
        elif path == "/_control/fail":
            data = data or {}
            with st.lock:
                st.fail = {"status": int(data.get("status", 500)), "count": int(data.get("count", 1)),
                           "body": data.get("body"), "path": data.get("path")}
        elif path == "/_control/delay":
            data = data or {}
            count = data.get("count")
            with st.lock:
                st.delay = {"seconds": float(data.get("seconds", 1)),
                            "count": None if count is None else int(count), "path": data.get("path")}
        elif path == "/_control/expire":
            with st.lock:
                for grant in st.codes.values():
                    grant["expires"] = 0
        else:
            return self.send_json(404, {"message": "Not Found"})
        return self.send_json(200, {"ok": True})


def main():
    parser = argparse.ArgumentParser(description="A fake GitHub/GitLab OAuth provider for tests.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--users", help="a JSON file with the list of users")
    parser.add_argument("--client-id", default="fake-client-id")
    parser.add_argument("--client-secret", default="fake-client-secret")
    parser.add_argument("--code-ttl", type=float, default=600, help="seconds a code stays valid")
    args = parser.parse_args()

    users = DEFAULT_USERS
    if args.users:
        with open(args.users, encoding="utf-8") as f:
            users = json.load(f)

    Handler.state = State(args, users)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("fake-oauth listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
