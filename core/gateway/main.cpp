// warren-gateway: the public side of Warren.
//
//   warren-gateway --config gateway.toml [--listen HOST:PORT] [--domain NAME]
//                  [--log-level LEVEL] [--log-format text|json]
#include "config/gateway_config.hpp"
#include "gateway/gateway_server.hpp"
#include "util/logging.hpp"

#include <warren/version.hpp>

#include <boost/program_options.hpp>

#include <spdlog/spdlog.h>

#include <iostream>

namespace po = boost::program_options;

int main(int argc, char** argv) {
    po::options_description opts("Usage: warren-gateway [options]\n\nOptions");
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
        std::cout << opts << "\n";
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
        warren::setup_logging(config.log.level, config.log.format);
    } catch (const std::exception& e) {
        std::cerr << "warren-gateway: " << e.what() << "\n";
        return 2;
    }

    try {
        return warren::run_gateway(config);
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
}
