#include "admin_cli.hpp"

#include "auth/sessions.hpp"
#include "auth/setup_link.hpp"
#include "gateway/tunnel_admin.hpp"

#include <warren/units.hpp>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <map>
#include <optional>
#include <ostream>
#include <pwd.h>
#include <unistd.h>

namespace warren {
namespace {

constexpr std::string_view commands[] = {"tunnels", "keys", "users", "audit", "setup-link", "api-tokens"};

// Raised for a usage mistake; run_admin_command turns it into exit status 2.
struct usage_error {
    std::string message;
};

// The words of a command and its --options (each option takes one value,
// except the flags listed in `flags`).
struct parsed_args {
    std::vector<std::string> words;
    std::map<std::string, std::string, std::less<>> options;
};

parsed_args parse_args(const std::vector<std::string>& args, std::initializer_list<std::string_view> valued,
                       std::initializer_list<std::string_view> flags) {
    parsed_args p;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!a.starts_with("--")) {
            p.words.push_back(a);
            continue;
        }
        std::string name = a.substr(2);
        std::optional<std::string> value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name.resize(eq);
        }
        const bool is_flag = std::find(flags.begin(), flags.end(), name) != flags.end();
        const bool takes_value = std::find(valued.begin(), valued.end(), name) != valued.end();
        if (!is_flag && !takes_value) throw usage_error{"unknown option --" + name};
        if (is_flag) {
            if (value) throw usage_error{"--" + name + " takes no value"};
            p.options[name] = "";
            continue;
        }
        if (!value) {
            if (i + 1 >= args.size()) throw usage_error{"--" + name + " needs a value"};
            value = args[++i];
        }
        p.options[name] = *value;
    }
    return p;
}

std::string option(const parsed_args& p, std::string_view name) {
    auto it = p.options.find(name);
    return it == p.options.end() ? std::string() : it->second;
}

void expect_words(const parsed_args& p, std::size_t n, std::string_view usage) {
    if (p.words.size() != n) throw usage_error{"usage: warren-gateway " + std::string(usage)};
}

std::string format_time(time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

std::string format_time(const std::optional<time_point>& t) {
    return t ? format_time(*t) : "never";
}

// Columns padded to their widest cell; the last column is not padded.
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
    for (const auto& r : rows)
        for (std::size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], r[c].size());
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            text += cells[c];
            if (c + 1 < cells.size()) text.append(width[c] - cells[c].size() + 2, ' ');
        }
        out << text << "\n";
    };
    line(header);
    for (const auto& r : rows) line(r);
}

std::string dash_if_empty(std::string s) {
    return s.empty() ? "-" : s;
}

// "cli:<os user>" for the audit log.
audit_actor cli_actor() {
    std::string name;
    if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) name = pw->pw_name;
    return {"cli:" + (name.empty() ? std::to_string(geteuid()) : name), {}};
}

class command_runner {
public:
    command_runner(const gateway_config& config, store& s, std::ostream& out, std::ostream& err)
        : config_(config), store_(s), admin_(s, config.tunnels.max_tunnels_per_user), out_(out), err_(err) {}

    int run(const std::vector<std::string>& args) {
        const std::string group = args.empty() ? "" : args[0];
        const std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
        if (group == "tunnels") return tunnels(rest);
        if (group == "keys") return keys(rest);
        if (group == "users") return users(rest);
        if (group == "audit") return audit(rest);
        if (group == "setup-link") return setup_link(rest);
        if (group == "api-tokens") return api_tokens(rest);
        throw usage_error{"unknown command \"" + group +
                          "\"; commands: tunnels, keys, users, audit, setup-link, api-tokens"};
    }

private:
    // Prints a failed store call and returns exit status 1.
    int fail(const error& e) {
        err_ << "warren-gateway: " << e.message << "\n";
        return 1;
    }

    std::string url_of(std::string_view name) const {
        return name.empty() ? std::string() : std::string(name) + "." + config_.server.domain;
    }

    // The gateway's apex URL as clients reach it, from the config (the
    // gateway may not be running): empty when unknown (listen port 0).
    std::string apex_url() const {
        if (!config_.server.public_url.empty()) return config_.server.public_url;
        const bool tls = !config_.server.tls_cert.empty();
        const auto at = parse_listen_address(config_.server.listen);
        const std::uint16_t port = at ? at->port : 0;
        if (port == 0) return {};
        std::string url = std::string(tls ? "https://" : "http://") + config_.server.domain;
        if (port != (tls ? 443 : 80)) url += ":" + std::to_string(port);
        return url;
    }

    // The one user called `username`; an error names the problem.
    result<user_record> user_named(const std::string& username) {
        auto found = store_.find_users_by_username(username);
        if (!found) return found.error();
        if (found->empty())
            return {errc::not_found, "no user \"" + username + "\"; create one with: warren-gateway users create " +
                                         username};
        if (found->size() > 1)
            return {errc::conflict, "several users are called \"" + username + "\" (one per login provider)"};
        return std::move(found->front());
    }

    int tunnels(const std::vector<std::string>& args) {
        const auto p = parse_args(args, {"user"}, {});
        const std::string verb = p.words.empty() ? "" : p.words[0];
        if (verb == "create") {
            expect_words(p, 2, "tunnels create NAME [--user USERNAME]");
            std::optional<user_record> owner;
            if (const auto u = option(p, "user"); !u.empty()) {
                auto found = user_named(u);
                if (!found) return fail(found.error());
                owner = std::move(*found);
            }
            auto t = admin_.create_tunnel(p.words[1], owner, cli_actor());
            if (!t) return fail(t.error());
            out_ << "created tunnel " << t->name << " (" << url_of(t->name) << ")"
                 << (owner ? ", owned by " + owner->identity.username : std::string()) << "\n"
                 << "issue its API key with: warren-gateway keys issue " << t->name << "\n";
            return 0;
        }
        if (verb == "list") {
            expect_words(p, 1, "tunnels list");
            auto list = store_.list_tunnels(std::nullopt);
            if (!list) return fail(list.error());
            std::vector<std::vector<std::string>> rows;
            for (const auto& t : *list)
                rows.push_back({t.name, dash_if_empty(t.owner_username), dash_if_empty(t.key_prefix),
                                format_time(t.created_at), format_time(t.last_seen_at)});
            print_table(out_, {"NAME", "OWNER", "KEY", "CREATED", "LAST SEEN"}, rows);
            return 0;
        }
        if (verb == "delete") {
            expect_words(p, 2, "tunnels delete NAME");
            if (auto r = admin_.delete_tunnel(p.words[1], cli_actor()); !r) return fail(r.error());
            out_ << "deleted tunnel " << p.words[1] << " and revoked its key\n";
            return 0;
        }
        throw usage_error{"usage: warren-gateway tunnels create NAME [--user USERNAME] | tunnels list | "
                          "tunnels delete NAME"};
    }

    int keys(const std::vector<std::string>& args) {
        const auto p = parse_args(args, {}, {});
        const std::string verb = p.words.empty() ? "" : p.words[0];
        if (verb == "issue") {
            expect_words(p, 2, "keys issue NAME");
            auto k = admin_.issue_key(p.words[1], cli_actor());
            if (!k) return fail(k.error());
            // The only place the key is ever shown: stdout of this command.
            out_ << "API key for tunnel " << p.words[1] << " (shown once; any previous key is revoked):\n\n  "
                 << k->key << "\n\nconnect with: " << connect_command(apex_url(), k->key) << "\n";
            return 0;
        }
        if (verb == "revoke") {
            expect_words(p, 2, "keys revoke NAME");
            auto prefix = admin_.revoke_key(p.words[1], cli_actor());
            if (!prefix) return fail(prefix.error());
            out_ << "revoked key " << *prefix << "… of tunnel " << p.words[1] << "\n";
            return 0;
        }
        throw usage_error{"usage: warren-gateway keys issue NAME | keys revoke NAME"};
    }

    int users(const std::vector<std::string>& args) {
        const auto p = parse_args(args, {}, {"admin"});
        const std::string verb = p.words.empty() ? "" : p.words[0];
        if (verb == "list") {
            expect_words(p, 1, "users list");
            auto list = store_.list_users();
            if (!list) return fail(list.error());
            std::vector<std::vector<std::string>> rows;
            for (const auto& u : *list)
                rows.push_back({std::to_string(u.id), u.identity.username, u.identity.provider,
                                u.admin ? "yes" : "no", u.disabled ? "yes" : "no", format_time(u.created_at),
                                format_time(u.last_login_at)});
            print_table(out_, {"ID", "USERNAME", "PROVIDER", "ADMIN", "DISABLED", "CREATED", "LAST LOGIN"}, rows);
            return 0;
        }
        if (verb == "create") {
            expect_words(p, 2, "users create NAME [--admin]");
            const std::string& name = p.words[1];
            if (auto existing = store_.find_users_by_username(name); !existing) {
                return fail(existing.error());
            } else if (!existing->empty()) {
                return fail({errc::conflict, "a user called \"" + name + "\" already exists"});
            }
            user_identity who{"local", name, name, name, {}, {}};
            auto u = store_.upsert_user(who, false, std::chrono::system_clock::now());
            if (!u) return fail(u.error());
            const bool admin = p.options.contains("admin");
            if (admin) {
                if (auto r = store_.set_user_admin(u->id, true); !r) return fail(r.error());
            }
            out_ << "created " << (admin ? "admin " : "") << "user " << name << " (id " << u->id << ")\n";
            return 0;
        }
        throw usage_error{"usage: warren-gateway users list | users create NAME [--admin]"};
    }

    int audit(const std::vector<std::string>& args) {
        const auto p = parse_args(args, {"since", "event", "tunnel", "user", "limit"}, {});
        expect_words(p, 0, "audit [--since 1h] [--event E] [--tunnel NAME] [--user U] [--limit N]");
        audit_query q;
        if (const auto since = option(p, "since"); !since.empty()) {
            const auto d = parse_duration(since);
            if (!d) throw usage_error{"--since: expected a duration like 30m, 1h or 24h (got \"" + since + "\")"};
            q.since = std::chrono::system_clock::now() - *d;
        }
        q.event = option(p, "event");
        q.tunnel = option(p, "tunnel");
        q.user = option(p, "user");
        if (const auto limit = option(p, "limit"); !limit.empty()) {
            std::size_t n = 0;
            const auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), n);
            if (ec != std::errc{} || end != limit.data() + limit.size() || n == 0 || n > 100'000)
                throw usage_error{"--limit: expected a number 1-100000 (got \"" + limit + "\")"};
            q.limit = n;
        }
        auto rows_found = store_.query_audit(q);
        if (!rows_found) return fail(rows_found.error());
        std::vector<std::vector<std::string>> rows;
        // Oldest first on screen, like a log; the store returns newest first.
        for (auto it = rows_found->rbegin(); it != rows_found->rend(); ++it)
            rows.push_back({format_time(it->at), it->event, dash_if_empty(it->tunnel), dash_if_empty(it->user),
                            dash_if_empty(it->client_ip), dash_if_empty(it->key_prefix),
                            it->status ? std::to_string(it->status) : "-", it->detail});
        print_table(out_, {"TIME", "EVENT", "TUNNEL", "USER", "IP", "KEY", "STATUS", "DETAIL"}, rows);
        return 0;
    }

    int setup_link(const std::vector<std::string>& args) {
        const auto p = parse_args(args, {}, {});
        expect_words(p, 0, "setup-link");
        auto token = setup_links(store_).create(std::chrono::system_clock::now());
        if (!token) return fail(token.error());
        const std::string apex = apex_url();
        // The only place this token is shown: stdout of this command.
        out_ << "One-time admin login link (valid " << setup_links::lifetime.count()
             << " minutes, single use; replaces any earlier link):\n\n  "
             << (apex.empty() ? "<the gateway's address>" : apex) << "/login/setup?token=" << *token << "\n";
        return 0;
    }

    int api_tokens(const std::vector<std::string>& args) {
        const auto p = parse_args(args, {"user", "ttl"}, {});
        const std::string verb = p.words.empty() ? "" : p.words[0];
        if (verb != "issue") throw usage_error{"usage: warren-gateway api-tokens issue --user USERNAME [--ttl 30d]"};
        expect_words(p, 1, "api-tokens issue --user USERNAME [--ttl 30d]");
        const std::string username = option(p, "user");
        if (username.empty()) throw usage_error{"api-tokens issue: --user USERNAME is required"};
        std::chrono::seconds ttl{30 * 24 * 3600};
        if (const auto t = option(p, "ttl"); !t.empty()) {
            const auto d = parse_duration(t);
            if (!d || *d < std::chrono::minutes(1) || *d > std::chrono::hours(366 * 24))
                throw usage_error{"--ttl: expected a duration from 1m to 366d (got \"" + t + "\")"};
            ttl = std::chrono::duration_cast<std::chrono::seconds>(*d);
        }
        auto user = user_named(username);
        if (!user) return fail(user.error());
        if (!user->admin) return fail({errc::forbidden, username + " is not an admin; API tokens are for admins"});
        if (user->disabled) return fail({errc::forbidden, username + " is disabled"});
        std::string secret;
        try {
            secret = sessions::load_secret(store_, config_.sessions.secret_env);
        } catch (const std::exception& e) {
            return fail({errc::unavailable, e.what()});
        }
        const sessions keeper(std::move(secret), store_, std::chrono::duration_cast<std::chrono::seconds>(config_.sessions.ttl));
        const auto now = std::chrono::system_clock::now();
        const std::string token = keeper.issue_api_token(*user, now, ttl);
        audit_entry e;
        e.at = now;
        e.event = "api_token_issued";
        e.user = cli_actor().user;
        e.detail = "for " + username + ", valid " + std::to_string(ttl.count() / 3600) + "h";
        if (auto r = store_.append_audit(e); !r) return fail(r.error());
        // The only place the token is shown: stdout of this command.
        out_ << "Admin API token for " << username << " (shown once; valid until " << format_time(now + ttl)
             << "):\n\n  " << token << "\n\nuse it as: curl -H \"Authorization: Bearer $TOKEN\" "
             << (apex_url().empty() ? "<the gateway's address>" : apex_url()) << "/api/me\n";
        return 0;
    }

    const gateway_config& config_;
    store& store_;
    tunnel_admin admin_;
    std::ostream& out_;
    std::ostream& err_;
};

}  // namespace

bool is_admin_command(std::string_view word) {
    return std::find(std::begin(commands), std::end(commands), word) != std::end(commands);
}

int run_admin_command(const std::vector<std::string>& args, const gateway_config& config, store& s,
                      std::ostream& out, std::ostream& err) {
    try {
        return command_runner(config, s, out, err).run(args);
    } catch (const usage_error& e) {
        err << "warren-gateway: " << e.message << "\n";
        return 2;
    }
}

std::string admin_usage() {
    return "Admin commands (against the configured store; safe while the gateway runs):\n"
           "  tunnels create NAME [--user USERNAME]   a keyed tunnel with a stable name\n"
           "  tunnels list                            every keyed tunnel\n"
           "  tunnels delete NAME                     delete it and revoke its key\n"
           "  keys issue NAME                         print a new key once (revokes the old one)\n"
           "  keys revoke NAME                        revoke the tunnel's key\n"
           "  users list                              every user\n"
           "  users create NAME [--admin]             a local user (owner of tunnels)\n"
           "  audit [--since 1h] [--event E] [--tunnel NAME] [--user U] [--limit N]\n"
           "                                          the audit log, oldest first\n"
           "  setup-link                              a one-time admin login link for the dashboard\n"
           "  api-tokens issue --user NAME [--ttl 30d]  an admin API token (Authorization: Bearer)\n";
}

}  // namespace warren
