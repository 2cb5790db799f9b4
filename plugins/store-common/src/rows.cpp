#include "rows.hpp"

#include <chrono>

namespace warren::soci_store {

long long to_millis(time_point t) noexcept {
    return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

time_point from_millis(long long ms) noexcept {
    return time_point(
        std::chrono::duration_cast<time_point::duration>(std::chrono::milliseconds(ms)));
}

std::optional<time_point> optional_time::value() const {
    if (indicator == soci::i_null) return std::nullopt;
    return from_millis(millis);
}

void user_row::into(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(provider));
    st.exchange(soci::into(subject));
    st.exchange(soci::into(username));
    st.exchange(soci::into(name));
    st.exchange(soci::into(email));
    st.exchange(soci::into(avatar_url));
    st.exchange(soci::into(admin));
    st.exchange(soci::into(disabled));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(last_login_at.millis, last_login_at.indicator));
}

user_record user_row::record() const {
    user_record r;
    r.id = id;
    r.identity = {provider, subject, username, name, email, avatar_url};
    r.admin = admin != 0;
    r.disabled = disabled != 0;
    r.created_at = from_millis(created_at);
    r.last_login_at = last_login_at.value();
    return r;
}

void tunnel_row::into(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(name));
    st.exchange(soci::into(owner_id, owner_indicator));
    st.exchange(soci::into(owner_username));
    st.exchange(soci::into(key_prefix));
    st.exchange(soci::into(key_issued_at.millis, key_issued_at.indicator));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(last_seen_at.millis, last_seen_at.indicator));
}

tunnel_record tunnel_row::record() const {
    tunnel_record r;
    r.id = id;
    r.name = name;
    if (owner_indicator != soci::i_null) r.owner = owner_id;
    r.owner_username = owner_username;
    r.key_prefix = key_prefix;
    r.key_issued_at = key_issued_at.value();
    r.created_at = from_millis(created_at);
    r.last_seen_at = last_seen_at.value();
    return r;
}

void audit_row::into(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(at));
    st.exchange(soci::into(event));
    st.exchange(soci::into(client_ip));
    st.exchange(soci::into(username));
    st.exchange(soci::into(tunnel));
    st.exchange(soci::into(key_prefix));
    st.exchange(soci::into(status));
    st.exchange(soci::into(detail));
}

audit_entry audit_row::record() const {
    audit_entry e;
    e.id = id;
    e.at = from_millis(at);
    e.event = event;
    e.client_ip = client_ip;
    e.user = username;
    e.tunnel = tunnel;
    e.key_prefix = key_prefix;
    e.status = status;
    e.detail = detail;
    return e;
}

}  // namespace warren::soci_store
