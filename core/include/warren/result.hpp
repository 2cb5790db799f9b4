#pragma once
// The result of a call across the plugin boundary: a value, or an error with
// a category the host acts on and a one-line message for operators.
//
// Boundary calls are noexcept and report failure through result<T>; only a
// plugin's constructor may throw (see plugin.hpp). Messages never contain
// secrets (keys, tokens, passwords, connection strings with passwords).
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace warren {

enum class errc {
    not_found = 1,    // no such user, tunnel, key, setting
    conflict,         // already exists (a tunnel name, a key prefix)
    invalid,          // a bad argument: the caller's mistake
    unauthorized,     // no or bad credentials
    forbidden,        // known, but not allowed (org membership, disabled user)
    unavailable,      // a dependency is down (database, OAuth provider); retry later
    internal,         // a bug or an unexpected state; logged by the host
};

struct error {
    errc code = errc::internal;
    std::string message;
};

inline const char* to_string(errc c) noexcept {
    switch (c) {
    case errc::not_found: return "not found";
    case errc::conflict: return "conflict";
    case errc::invalid: return "invalid";
    case errc::unauthorized: return "unauthorized";
    case errc::forbidden: return "forbidden";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal error";
    }
    return "error";
}

// Either a T or an error. `if (!r) use(r.error()); else use(*r);`
template <class T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    result(struct error e) : v_(std::in_place_index<1>, std::move(e)) {}
    result(errc code, std::string message) : v_(std::in_place_index<1>, warren::error{code, std::move(message)}) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { assert(has_value()); return std::get<0>(v_); }
    const T& value() const& { assert(has_value()); return std::get<0>(v_); }
    T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const struct error& error() const& { assert(!has_value()); return std::get<1>(v_); }

private:
    std::variant<T, struct error> v_;
};

// Success carries nothing.
template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    result(struct error e) : err_(std::move(e)), failed_(true) {}
    result(errc code, std::string message) : err_{code, std::move(message)}, failed_(true) {}

    bool has_value() const noexcept { return !failed_; }
    explicit operator bool() const noexcept { return !failed_; }
    const struct error& error() const& { assert(failed_); return err_; }

private:
    struct error err_;
    bool failed_ = false;
};

}  // namespace warren
