#include "client/client_options.hpp"

#include <warren/version.hpp>

#include <boost/program_options.hpp>
#include <boost/url/parse.hpp>

#include <cstdlib>
#include <iostream>

namespace warren::client {
namespace po = boost::program_options;

std::string client_options::local_authority() const {
    const bool v6 = local_host.find(':') != std::string::npos;
    return (v6 ? "[" + local_host + "]" : local_host) + ":" + local_port;
}

std::string client_options::local_url() const { return "http://" + local_authority(); }

namespace {

bool valid_port(const std::string& p) {
    if (p.empty() || p.size() > 5) return false;
    for (char c : p)
        if (c < '0' || c > '9') return false;
    const int n = std::atoi(p.c_str());
    return n >= 1 && n <= 65535;
}

}  // namespace

bool parse_local_target(const std::string& target, client_options& out, std::string& error) {
    if (!target.empty() && target.find_first_not_of("0123456789") == std::string::npos) {
        if (!valid_port(target)) {
            error = "invalid local port " + target + " (1-65535)";
            return false;
        }
        out.local_host = "127.0.0.1";
        out.local_port = target;
        return true;
    }
    std::string text = target;
    if (text.find("://") == std::string::npos) text = "http://" + text;
    auto url = boost::urls::parse_uri(text);
    if (!url || url->host().empty()) {
        error = "cannot understand local target \"" + target + "\" (try 3000 or http://127.0.0.1:3000)";
        return false;
    }
    if (url->scheme() != "http") {
        error = "local target \"" + target + "\": only http:// local servers are supported";
        return false;
    }
    if (!url->encoded_path().empty() && url->encoded_path() != "/") {
        error = "local target \"" + target + "\" must not have a path";
        return false;
    }
    out.local_host = std::string(url->host_address());
    if (out.local_host.size() > 2 && out.local_host.front() == '[') out.local_host = out.local_host.substr(1, out.local_host.size() - 2);
    out.local_port = url->has_port() ? std::string(url->port()) : "80";
    if (!valid_port(out.local_port)) {
        error = "local target \"" + target + "\" has an invalid port";
        return false;
    }
    return true;
}

std::optional<client_options> parse_command_line(int argc, char** argv, int& exit_code) {
    client_options o;
    std::string command, target, host_header = "preserve";
    po::options_description visible(
        "Usage: warren http PORT|URL [options]\n\n"
        "Exposes a local HTTP server through a Warren gateway, e.g. `warren http 3000`.\n\nOptions");
    visible.add_options()
        ("server", po::value<std::string>(&o.server_url)->default_value(o.server_url), "gateway URL (http:// or https://)")
        ("name", po::value<std::string>(&o.name), "tunnel name to ask for (default: a random one)")
        ("token", po::value<std::string>(&o.token), "API key (default: $WARREN_TOKEN)")
        ("host-header", po::value<std::string>(&host_header)->default_value("preserve"),
         "preserve: the local server sees the public Host; rewrite: it sees the local address")
        ("integrity", po::bool_switch(&o.integrity), "check every body end to end with SHA-256")
        ("ca", po::value<std::filesystem::path>(&o.ca_file), "CA certificate file to verify the gateway with (default: the system store)")
        ("quiet,q", po::bool_switch(&o.quiet), "don't print a line per request")
        ("version", "print the version and exit")
        ("help,h", "show this help");
    po::options_description hidden;
    hidden.add_options()("command", po::value<std::string>(&command))("target", po::value<std::string>(&target));
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description positional;
    positional.add("command", 1).add("target", 1);

    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "warren: " << e.what() << "\n(see warren --help)\n";
        exit_code = 2;
        return std::nullopt;
    }
    if (vm.count("help")) {
        std::cout << visible << "\n";
        exit_code = 0;
        return std::nullopt;
    }
    if (vm.count("version")) {
        std::cout << "warren " << warren_version << "\n";
        exit_code = 0;
        return std::nullopt;
    }
    std::string error;
    if (command != "http") error = command.empty() ? "missing command (try: warren http 3000)"
                                                   : "unknown command \"" + command + "\" (try: warren http 3000)";
    else if (target.empty()) error = "missing local port or URL (try: warren http 3000)";
    else if (!parse_local_target(target, o, error)) {}
    else if (host_header != "preserve" && host_header != "rewrite")
        error = "--host-header must be preserve or rewrite";
    if (error.empty()) {
        auto url = boost::urls::parse_uri(o.server_url);
        if (!url || (url->scheme() != "http" && url->scheme() != "https" && url->scheme() != "ws" &&
                     url->scheme() != "wss") || url->host().empty())
            error = "--server must be an http:// or https:// URL (got \"" + o.server_url + "\")";
        else if (url->has_query() || url->has_userinfo())
            error = "--server must not carry a query or credentials; use --token or WARREN_TOKEN";
    }
    if (!error.empty()) {
        std::cerr << "warren: " << error << "\n";
        exit_code = 2;
        return std::nullopt;
    }
    o.rewrite_host = host_header == "rewrite";
    if (o.token.empty())
        if (const char* env = std::getenv("WARREN_TOKEN")) o.token = env;
    return o;
}

}  // namespace warren::client
