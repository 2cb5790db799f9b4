// warren-gateway: the public side of Warren.
//
//   warren-gateway --config gateway.toml [--listen HOST:PORT] [--domain NAME]
//                  [--log-level LEVEL] [--log-format text|json]
//   warren-gateway --config gateway.toml COMMAND...   (admin commands, see admin_cli.hpp)
#include "admin_cli.hpp"
#include "config/gateway_config.hpp"
#include "gateway/gateway_server.hpp"
#include "gateway/registry_directory.hpp"
#include "plugins/gateway_services.hpp"
#include "plugins/plugin_loader.hpp"
#include "util/logging.hpp"

#include <warren/version.hpp>

#include <boost/program_options.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
#include <vector>

namespace po = boost::program_options;

namespace {

// Splits argv before the first admin command word: the gateway's own options
// come before it, the command and its options after.
int command_start(int argc, char** argv) {
    const std::string_view valued[] = {"--config", "-c", "--listen", "--domain", "--log-level", "--log-format"};
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (std::find(std::begin(valued), std::end(valued), a) != std::end(valued)) {
            ++i;  // its value
            continue;
        }
        if (warren::is_admin_command(a)) return i;
    }
    return argc;
}

// Runs an admin command against the configured store only (no listener, no
// other plugins).
int run_admin(const warren::gateway_config& config, const std::vector<std::string>& args) {
    if (!config.store) {
        std::cerr << "warren-gateway: " << config.source.string() << " has no [store] table\n";
        return 2;
    }
    warren::metrics_registry registry;
    warren::tunnel_registry no_tunnels(std::chrono::milliseconds(0));
    warren::registry_directory directory(no_tunnels);
    warren::gateway_services services(registry, directory, config.plugins.ca_file);
    const auto store = warren::load_plugin<warren::store>(*config.store, config.plugins, services);
    return warren::run_admin_command(args, config, *store, std::cout, std::cerr);
}

}  // namespace

int main(int argc, char** argv) {
    const int command_at = command_start(argc, argv);
    const std::vector<std::string> command(argv + command_at, argv + argc);
    argc = command_at;
    po::options_description opts("Usage: warren-gateway [options] [COMMAND ...]\n\nOptions");
    opts.add_options()
        ("config,c", po::value<std::string>()->default_value("gateway.toml"), "configuration file")
        ("listen", po::value<std::string>(), "override [server] listen (HOST:PORT)")
        ("domain", po::value<std::string>(), "override [server] domain")
        ("log-level", po::value<std::string>(), "override [log] level (trace|debug|info|warn|error|off)")
        ("log-format", po::value<std::string>(), "override [log] format (text|json)")
        ("version", "print the version and exit")
        ("help,h", "show this help");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "warren-gateway: " << e.what() << "\n(see warren-gateway --help)\n";
        return 2;
    }
    if (vm.count("help")) {
        std::cout << opts << "\n" << warren::admin_usage();
        return 0;
    }
    if (vm.count("version")) {
        std::cout << "warren-gateway " << warren::warren_version << "\n";
        return 0;
    }

    warren::gateway_config config;
    try {
        config = warren::load_gateway_config(vm["config"].as<std::string>());
        warren::config_overrides overrides;
        if (vm.count("listen")) overrides.listen = vm["listen"].as<std::string>();
        if (vm.count("domain")) overrides.domain = vm["domain"].as<std::string>();
        if (vm.count("log-level")) overrides.log_level = vm["log-level"].as<std::string>();
        if (vm.count("log-format")) overrides.log_format = vm["log-format"].as<std::string>();
        warren::apply_overrides(config, overrides);
        // Admin commands print results for people; only problems are logged.
        const bool quiet = !command.empty() && !vm.count("log-level");
        warren::setup_logging(quiet ? "warn" : config.log.level, config.log.format);
    } catch (const std::exception& e) {
        std::cerr << "warren-gateway: " << e.what() << "\n";
        return 2;
    }

    if (!command.empty()) {
        try {
            return run_admin(config, command);
        } catch (const std::exception& e) {
            std::cerr << "warren-gateway: " << e.what() << "\n";
            return 1;
        }
    }

    try {
        return warren::run_gateway(config);
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
