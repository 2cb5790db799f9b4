#include "web_browser.hpp"

#include <fstream>
#include <iterator>

namespace warren::test {

std::string web_browser::jar() const { return (dir_->path() / "cookies.txt").string(); }

curl_result web_browser::get(const std::string& url) const { return send("GET", url); }

curl_result web_browser::send(const std::string& method, const std::string& url, const std::string& json_body,
                              const std::vector<std::string>& headers) const {
  std::vector<std::string> args{"-b", jar(), "-c", jar(), "-X", method};
  if (!json_body.empty()) {
    args.insert(args.end(), {"-H", "Content-Type: application/json", "--data-binary", json_body});
  }
  for (const auto& h : headers) args.insert(args.end(), {"-H", h});
  args.push_back(url);
  return run_curl(args);
}

std::string web_browser::cookies() const {
  std::ifstream in(jar());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string web_browser::start_sign_in(const gateway_process& gw, const std::string& query,
                                       const std::string& provider_id) const {
  const auto r = get(gw.url() + "/login/" + provider_id + query);
  return r.status == 302 ? location_of(r) : std::string();
}

curl_result web_browser::sign_in(const gateway_process& gw, const fake_oauth& fake, const std::string& login,
                                 const std::string& query, const std::string& provider_id) const {
  const std::string authorize = start_sign_in(gw, query, provider_id);
  if (authorize.empty()) throw std::runtime_error("the gateway did not redirect to the provider");
  const std::string back = fake.sign_in(authorize, login);
  if (back.empty()) throw std::runtime_error("the fake provider did not redirect back");
  return get(back);
}

std::string location_of(const curl_result& r) {
  const auto l = header_values(r.headers, "location");
  return l.empty() ? std::string() : l.front();
}

}  // namespace warren::test
