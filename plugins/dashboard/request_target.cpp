#include "request_target.hpp"

#include <boost/url/parse.hpp>

namespace warren::dashboard {

std::optional<std::string> request_target::param(std::string_view name) const {
    for (const auto& [key, value] : params)
        if (key == name) return value;
    return std::nullopt;
}

std::optional<request_target> parse_target(std::string_view target) {
    const auto url = boost::urls::parse_origin_form(target);
    if (!url) return std::nullopt;
    request_target out;
    for (const auto segment : url->segments()) out.segments.emplace_back(segment);
    boost::urls::encoding_opts form;
    form.space_as_plus = true;  // HTML forms and URLSearchParams write spaces as '+'
    for (const auto param : url->params(form))
        out.params.emplace_back(param.key, param.has_value ? param.value : "");
    return out;
}

}  // namespace warren::dashboard
