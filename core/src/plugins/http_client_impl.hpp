#pragma once
// The outbound HTTP client plugins get from host_services::http(): HTTP/1.1
// over TCP or TLS (Beast and OpenSSL, kept out of this header), one
// connection per call, the whole exchange bounded by request.timeout.
//
// HTTPS verifies the certificate chain against the system trust store plus
// [plugins] ca_file, and the host name (or IP address) of the URL; the name
// goes in SNI. Errors name the method, the scheme, host and port, and the
// step that failed, never the path, query, headers or body, which may carry
// secrets.
//
// Threading: send() may be called from any number of threads at once; each
// call runs its own io_context on the calling thread.
#include <warren/http_client.hpp>

#include <filesystem>
#include <memory>

namespace warren {

class http_client_impl final : public http_client {
public:
    // Trusts the system store and, when `ca_file` is not empty, the PEM
    // certificates in it; throws config_error if that file cannot be loaded.
    explicit http_client_impl(const std::filesystem::path& ca_file = {});
    ~http_client_impl() override;

    result<http_client_response> send(const http_client_request& request) noexcept override;

private:
    struct tls_settings;
    std::unique_ptr<tls_settings> tls_;
};

}  // namespace warren
