// warren: exposes a local HTTP server through a Warren gateway.
//
//   warren http 3000 [--server URL] [--name NAME] [--token TOKEN]
#include "client/client_options.hpp"
#include "client/tunnel_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/detached.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>

int main(int argc, char** argv) {
    int exit_code = 0;
    auto options = warren::client::parse_command_line(argc, argv, exit_code);
    if (!options) return exit_code;
    std::signal(SIGPIPE, SIG_IGN);

    boost::asio::io_context ioc(1);
    std::optional<warren::client::tunnel_client> client;
    try {
        client.emplace(ioc, std::move(*options));
    } catch (const std::exception& e) {
        std::cerr << "warren: " << e.what() << "\n";
        return 2;
    }

    boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
    bool stopping = false;
    std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int) {
        if (ec) return;
        if (stopping) {
            exit_code = 130;
            ioc.stop();
            return;
        }
        stopping = true;
        boost::asio::co_spawn(ioc, client->shutdown(), boost::asio::detached);
        signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);

    boost::asio::co_spawn(ioc, client->run(), [&](std::exception_ptr e, int code) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                std::cerr << "warren: " << ex.what() << "\n";
            }
            code = 1;
        }
        exit_code = code;
        ioc.stop();
    });
    ioc.run();
    return exit_code;
}
