// The Warren dashboard: fills in the page the gateway rendered (the app
// shell) from the JSON admin API, and keeps it current from the gateway's
// event stream. Plain ES2020, no framework, nothing loaded from elsewhere.
//
// Safety: data from the API reaches the page only through textContent and
// attributes set one by one, never through HTML strings. Every change is a
// fetch with the session's CSRF token in X-CSRF-Token and a JSON body.
"use strict";

const $ = (id) => document.getElementById(id);

const state = {
  me: null,          // GET /api/me
  csrf: "",
  admin: false,
  tunnels: [],       // GET /api/tunnels
  eventsOpened: false,
};

const REFRESH_TIMES_MS = 30000;
const EVENTS_RETRY_MS = 5000;

// ---------------------------------------------------------------- DOM

// el("td", {className: "num", title: "..."}, "text", childNode, ...)
// Strings become text nodes, so they are never read as HTML.
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

function emptyRow(columns, text) {
  return el("tr", { className: "empty" }, el("td", { colspan: columns }, text));
}

function muted(text) {
  return el("span", { className: "muted" }, text);
}

// A URL we may link to: http(s) only, never javascript: or data:.
function safeUrl(url, protocols = ["http:", "https:"]) {
  try {
    const parsed = new URL(url, location.href);
    return protocols.includes(parsed.protocol) ? parsed.href : null;
  } catch (e) {
    return null;
  }
}

function link(url, text) {
  const href = safeUrl(url);
  if (!href) return document.createTextNode(text || url || "");
  return el("a", { href, target: "_blank", rel: "noopener noreferrer" }, text || url);
}

// A tunnel's URL without its scheme ("demo.example.com"): the scheme is the
// gateway's, the same for every tunnel, and the table is wide enough already.
function withoutScheme(url) {
  return (url || "").replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
}

function button(action, text, extra) {
  return el("button", Object.assign({ type: "button", className: "small secondary", dataset: { action } }, extra || {}), text);
}

// ---------------------------------------------------------- formatting

function formatCount(n) {
  return Number(n || 0).toLocaleString();
}

function formatBytes(n) {
  let value = Number(n || 0);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

function exactTime(iso) {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

function relativeTime(iso) {
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  const ahead = seconds < 0;
  const s = Math.abs(seconds);
  let text;
  if (s < 45) return "just now";
  if (s < 90) text = "1 min";
  else if (s < 3600) text = `${Math.round(s / 60)} min`;
  else if (s < 5400) text = "1 hour";
  else if (s < 86400) text = `${Math.round(s / 3600)} hours`;
  else if (s < 172800) text = "1 day";
  else if (s < 30 * 86400) text = `${Math.round(s / 86400)} days`;
  else return new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });
  return ahead ? `in ${text}` : `${text} ago`;
}

// A <time> showing how long ago, with the exact time on hover; refreshed
// every 30 s by refreshTimes().
function timeCell(iso, never) {
  if (!iso) return muted(never || "never");
  return el("time", { className: "relative", datetime: iso, title: exactTime(iso) }, relativeTime(iso));
}

function refreshTimes() {
  for (const node of document.querySelectorAll("time.relative")) {
    node.textContent = relativeTime(node.getAttribute("datetime"));
  }
}

function plural(n, one, many) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

// ------------------------------------------------------------- errors

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function showError(error) {
  if (error instanceof ApiError && error.status === 401) return;  // on the way to /login
  $("error-text").textContent = (error && error.message) || String(error);
  $("error-banner").hidden = false;
}

function hideError() {
  $("error-banner").hidden = true;
  $("error-text").textContent = "";
}

function goToLogin() {
  location.assign("/login");
}

// Runs an action started by the user: errors go to the banner, and the
// control that started it is disabled meanwhile.
async function act(control, action) {
  if (control) control.disabled = true;
  try {
    hideError();
    await action();
  } catch (error) {
    showError(error);
  } finally {
    if (control) control.disabled = false;
  }
}

// ---------------------------------------------------------------- API

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = state.csrf;
  const init = { method, headers, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, "The gateway cannot be reached. Check the connection and try again.");
  }
  if (response.status === 401) {
    goToLogin();
    throw new ApiError(401, "sign in first");
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = null;
  }
  if (!response.ok) {
    const message = data && typeof data.error === "string" ? data.error : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message);
  }
  return data;
}

// ---------------------------------------------------------------- me

async function loadMe() {
  const me = await api("GET", "/api/me");
  const wasAdmin = state.admin;
  state.me = me;
  state.csrf = me.csrf_token || "";
  state.admin = Boolean(me.user && me.user.admin);
  for (const section of document.querySelectorAll(".admin-only")) section.hidden = !state.admin;
  const badge = $("admin-badge");
  if (badge) badge.hidden = !state.admin;
  if (state.admin && !wasAdmin && state.eventsOpened) loadAdminViews();
  renderUsage();
}

// ---------------------------------------------------------- my tunnels

async function loadTunnels() {
  state.tunnels = await api("GET", "/api/tunnels");
  renderTunnels();
}

function renderUsage() {
  if (!state.me) return;
  const n = state.tunnels.length;
  const usage = $("tunnel-usage");
  const create = $("create-tunnel");
  if (state.me.unlimited) {
    usage.textContent = `${plural(n, "tunnel", "tunnels")} (no limit for admins)`;
    create.removeAttribute("title");
    create.disabled = false;
  } else {
    const max = state.me.max_tunnels;
    usage.textContent = `${formatCount(n)} of ${formatCount(max)} tunnels`;
    const full = n >= max;
    create.disabled = full;
    if (full) create.title = "You have as many tunnels as you may: delete one first.";
    else create.removeAttribute("title");
  }
}

function statusCell(connected) {
  return el("td", { className: "status" },
    el("span", { className: connected ? "dot connected" : "dot offline", "aria-hidden": "true" }),
    connected ? "connected" : "offline");
}

function tunnelRow(t) {
  const today = t.today || { requests: 0, bytes_in: 0, bytes_out: 0 };
  return el("tr", { dataset: { tunnel: t.name } },
    el("td", { className: "name" }, link(t.url, withoutScheme(t.url) || t.name)),
    statusCell(Boolean(t.connected)),
    el("td", {}, timeCell(t.last_seen_at)),
    el("td", {}, t.key_prefix ? el("code", {}, t.key_prefix) : muted("no key")),
    el("td", { className: "num" }, formatCount(today.requests)),
    el("td", { className: "num", title: "Request bytes in, response bytes out, since 00:00 UTC" },
      `${formatBytes(today.bytes_in)} in · ${formatBytes(today.bytes_out)} out`),
    el("td", { className: "actions" },
      button("rotate", "Rotate key"),
      button("revoke", "Revoke key", { disabled: !t.key_prefix, title: t.key_prefix ? null : "This tunnel has no key" }),
      button("delete", "Delete", { className: "small danger" })));
}

function renderTunnels() {
  const rows = state.tunnels.map(tunnelRow);
  if (rows.length === 0) rows.push(emptyRow(7, "No tunnels yet. Create one to get a stable URL and a key for it."));
  $("my-tunnels-body").replaceChildren(...rows);
  renderUsage();
}

async function onTunnelAction(event) {
  const control = event.target.closest("button[data-action]");
  const row = event.target.closest("tr[data-tunnel]");
  if (!control || !row) return;
  const name = row.dataset.tunnel;
  const path = `/api/tunnels/${encodeURIComponent(name)}`;
  const action = control.dataset.action;
  if (action === "rotate") {
    await act(control, async () => {
      const key = await api("POST", `${path}/key`);
      showKey(name, key, "The previous key no longer works; a client connected with it was disconnected.");
      await loadTunnels();
    });
  } else if (action === "revoke") {
    if (!confirm(`Revoke the key of ${name}? A client connected with it is disconnected, and the tunnel needs a new key to connect again.`)) return;
    await act(control, async () => {
      await api("DELETE", `${path}/key`);
      await loadTunnels();
    });
  } else if (action === "delete") {
    if (!confirm(`Delete the tunnel ${name}? Its URL stops working and its key is revoked.`)) return;
    await act(control, async () => {
      await api("DELETE", path);
      await loadTunnels();
    });
  }
}

async function onCreateTunnel(event) {
  event.preventDefault();
  const input = $("new-tunnel-name");
  await act($("create-tunnel"), async () => {
    // Names are DNS labels: lowercase, as the gateway wants them.
    const name = input.value.trim().toLowerCase();
    const created = await api("POST", "/api/tunnels", { name });
    input.value = "";
    showKey(created.name, created.key, `${created.url || created.name} is yours.`);
    await loadTunnels();
  });
}

// ----------------------------------------------------- the shown-once dialog

function showSecret({ title, note, label, value, commandLabel, command }) {
  $("key-dialog-title").textContent = title;
  $("key-dialog-note").textContent = note;
  $("key-value-label").textContent = label;
  $("key-value").textContent = value;
  $("key-command-label").textContent = commandLabel;
  $("key-command").textContent = command;
  $("key-copy").textContent = `Copy ${label.toLowerCase()}`;
  $("key-copy-status").textContent = "";
  const dialog = $("key-dialog");
  if (!dialog.open) dialog.showModal();
}

function showKey(tunnel, key, context) {
  showSecret({
    title: `New key for ${tunnel}`,
    note: `This key is shown once: copy it now, it cannot be shown again. ${context}`,
    label: "Key",
    value: key.key,
    commandLabel: "Connect with",
    command: key.connect_command,
  });
}

function showToken(issued) {
  const apex = (state.me && state.me.apex_url) || location.origin;
  showSecret({
    title: "New API token",
    note: `This token is shown once: copy it now, it cannot be shown again. It acts as you until ${exactTime(issued.expires_at)}.`,
    label: "Token",
    value: issued.token,
    commandLabel: "Use it like this",
    command: `curl -H "Authorization: Bearer ${issued.token}" ${apex}/api/tunnels`,
  });
}

// Clears the secret from the page once the dialog is closed.
function onDialogClosed() {
  $("key-value").textContent = "";
  $("key-command").textContent = "";
  $("key-copy-status").textContent = "";
}

function selectText(node) {
  const selection = window.getSelection();
  if (selection) selection.selectAllChildren(node);
}

// Copies the text of `node`. Without a clipboard (plain http on another
// host, or a browser that refuses) the text is selected for Ctrl+C instead.
async function copyFrom(node, what) {
  const status = $("key-copy-status");
  const text = node.textContent;
  try {
    if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
    await navigator.clipboard.writeText(text);
    status.textContent = `${what} copied.`;
  } catch (e) {
    selectText(node);
    status.textContent = `${what} selected: press Ctrl+C (or ⌘C) to copy it.`;
  }
}

// ---------------------------------------------------------- admin views

async function loadLive() {
  const live = await api("GET", "/api/live");
  const rows = live.map((t) => {
    const today = t.today || {};
    return el("tr", { dataset: { live: t.name } },
      el("td", { className: "name" }, link(t.url, t.name)),
      el("td", {}, el("span", { className: t.keyed ? "badge" : "badge neutral" }, t.keyed ? "keyed" : "anonymous")),
      el("td", {}, t.owner || muted("—")),
      el("td", {}, el("code", {}, t.client_ip || "")),
      el("td", {}, timeCell(t.connected_since)),
      el("td", { className: "num" }, formatCount(t.in_flight)),
      el("td", { className: "num", title: `${formatCount(today.requests)} today` }, formatCount(t.requests)),
      el("td", { className: "num" }, formatBytes(t.bytes_in)),
      el("td", { className: "num" }, formatBytes(t.bytes_out)));
  });
  if (rows.length === 0) rows.push(emptyRow(9, "No tunnel is connected."));
  $("live-tunnels-body").replaceChildren(...rows);
  $("live-count").textContent = live.length ? `${plural(live.length, "tunnel", "tunnels")} connected` : "";
}

function auditQuery() {
  const params = new URLSearchParams({ limit: "100" });
  const event = $("audit-event").value;
  const tunnel = $("audit-tunnel").value.trim();
  const user = $("audit-user").value.trim();
  if (event) params.set("event", event);
  if (tunnel) params.set("tunnel", tunnel);
  if (user) params.set("user", user);
  return params.toString();
}

async function loadAudit() {
  const entries = await api("GET", `/api/audit?${auditQuery()}`);
  const rows = entries.map((e) => el("tr", { dataset: { auditId: String(e.id) } },
    el("td", { className: "nowrap" }, el("time", { datetime: e.at, title: e.at }, exactTime(e.at))),
    el("td", {}, el("span", { className: `event event-${e.event.replace(/[^a-z_]/g, "")}` }, e.event)),
    el("td", {}, e.user || muted("—")),
    el("td", {}, e.tunnel || muted("—")),
    el("td", {}, e.key_prefix ? el("code", {}, e.key_prefix) : muted("—")),
    el("td", {}, e.client_ip ? el("code", {}, e.client_ip) : muted("—")),
    el("td", { className: "num" }, e.status === null || e.status === undefined ? "" : String(e.status)),
    el("td", { className: "detail" }, e.detail || "")));
  if (rows.length === 0) rows.push(emptyRow(8, "Nothing in the audit log matches."));
  $("audit-body").replaceChildren(...rows);
}

function userRow(u) {
  const self = state.me && state.me.user && state.me.user.id === u.id;
  const avatar = safeUrl(u.avatar_url, ["https:"]);
  const selfTitle = self ? "You cannot change your own account" : null;
  return el("tr", { dataset: { userId: String(u.id) }, className: u.disabled ? "disabled" : null },
    el("td", { className: "who" },
      avatar ? el("img", { className: "avatar small", src: avatar, alt: "" }) : null,
      u.username),
    el("td", {}, u.name || ""),
    el("td", {}, u.email || ""),
    el("td", {}, u.provider || ""),
    el("td", {},
      u.admin ? el("span", { className: "badge" }, "admin") : null,
      u.disabled ? el("span", { className: "badge danger" }, "disabled") : null,
      !u.admin && !u.disabled ? muted("user") : null),
    el("td", {}, timeCell(u.created_at)),
    el("td", {}, timeCell(u.last_login_at)),
    el("td", { className: "actions" },
      button("toggle-admin", u.admin ? "Remove admin" : "Make admin", { disabled: self, title: selfTitle }),
      button("toggle-disabled", u.disabled ? "Enable" : "Disable",
        { disabled: self, title: selfTitle, className: u.disabled ? "small secondary" : "small danger" })));
}

let users = [];

async function loadUsers() {
  users = await api("GET", "/api/users");
  const rows = users.map(userRow);
  if (rows.length === 0) rows.push(emptyRow(8, "No users yet."));
  $("users-body").replaceChildren(...rows);
}

async function onUserAction(event) {
  const control = event.target.closest("button[data-action]");
  const row = event.target.closest("tr[data-user-id]");
  if (!control || !row) return;
  const user = users.find((u) => String(u.id) === row.dataset.userId);
  if (!user) return;
  let change;
  if (control.dataset.action === "toggle-admin") change = { admin: !user.admin };
  else if (control.dataset.action === "toggle-disabled") {
    if (!user.disabled && !confirm(`Disable ${user.username}? They are signed out, their keys stop working and their tunnels are disconnected.`)) return;
    change = { disabled: !user.disabled };
  } else return;
  await act(control, async () => {
    await api("PATCH", `/api/users/${encodeURIComponent(user.id)}`, change);
    await loadUsers();
  });
}

async function onNewToken(event) {
  event.preventDefault();
  await act($("new-api-token"), async () => {
    const issued = await api("POST", "/api/tokens", { ttl: $("api-token-ttl").value });
    showToken(issued);
  });
}

function loadAdminViews() {
  return Promise.all([
    loadLive().catch(showError),
    loadAudit().catch(showError),
    loadUsers().catch(showError),
  ]);
}

// --------------------------------------------------------- live updates

// Coalesces bursts of events into one refetch per list.
const scheduled = new Map();
function refetchSoon(name, load) {
  if (scheduled.has(name)) return;
  scheduled.set(name, setTimeout(() => {
    scheduled.delete(name);
    load().catch(showError);
  }, 250));
}

function onTunnelsChanged() {
  refetchSoon("tunnels", loadTunnels);
  if (state.admin) refetchSoon("live", loadLive);
}

function refreshAll() {
  refetchSoon("me", loadMe);
  onTunnelsChanged();
  if (state.admin) {
    refetchSoon("audit", loadAudit);
    refetchSoon("users", loadUsers);
  }
}

function connectEvents() {
  const source = new EventSource("/_warren/events");
  source.addEventListener("open", () => {
    // After a reconnect, changes may have been missed meanwhile.
    if (state.eventsOpened) refreshAll();
    state.eventsOpened = true;
  });
  source.addEventListener("tunnels", onTunnelsChanged);
  source.addEventListener("traffic", onTunnelsChanged);
  source.addEventListener("audit", () => {
    if (state.admin) refetchSoon("audit", loadAudit);
  });
  source.addEventListener("users", () => {
    // The change may be our own (no longer an admin, or disabled: then
    // /api/me answers 401 and we go to the login page).
    refetchSoon("me", loadMe);
    if (state.admin) refetchSoon("users", loadUsers);
  });
  source.addEventListener("error", () => {
    // EventSource retries by itself unless the server refused the stream
    // (signed out, or an error status): then check the session and start over.
    if (source.readyState !== EventSource.CLOSED) return;
    source.close();
    setTimeout(() => {
      loadMe().then(connectEvents, (error) => {
        showError(error);
        setTimeout(connectEvents, EVENTS_RETRY_MS);
      });
    }, EVENTS_RETRY_MS);
  });
}

// ----------------------------------------------------------------- start

async function signOut() {
  await act($("logout"), async () => {
    let response;
    try {
      response = await fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": state.csrf }, credentials: "same-origin" });
    } catch (e) {
      throw new ApiError(0, "The gateway cannot be reached. Check the connection and try again.");
    }
    if (!response.ok && response.status !== 401) throw new ApiError(response.status, `Sign-out failed (${response.status}).`);
    location.assign("/login");
  });
}

async function start() {
  $("error-dismiss").addEventListener("click", hideError);
  $("logout").addEventListener("click", signOut);
  $("create-tunnel-form").addEventListener("submit", onCreateTunnel);
  $("my-tunnels-body").addEventListener("click", onTunnelAction);
  $("users-body").addEventListener("click", onUserAction);
  $("audit-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    act($("audit-apply"), loadAudit);
  });
  $("api-token-form").addEventListener("submit", onNewToken);
  $("key-dialog-close").addEventListener("click", () => $("key-dialog").close());
  $("key-dialog").addEventListener("close", onDialogClosed);
  $("key-copy").addEventListener("click", () => copyFrom($("key-value"), $("key-value-label").textContent));
  $("key-copy-command").addEventListener("click", () => copyFrom($("key-command"), "Command"));

  try {
    await loadMe();
  } catch (error) {
    showError(error);
    return;
  }
  await Promise.all([loadTunnels().catch(showError), state.admin ? loadAdminViews() : null]);
  connectEvents();
  setInterval(refreshTimes, REFRESH_TIMES_MS);
}

start();
