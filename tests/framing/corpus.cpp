#include "corpus.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace warren::test {
namespace {

[[noreturn]] void fail(const std::string& path, int line, const std::string& what) {
  throw std::runtime_error(path + ":" + std::to_string(line) + ": " + what);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// One "..." literal with C escapes, starting at text[pos] == '"'.
std::string unquote(const std::string& text, std::size_t pos, const std::string& path, int line) {
  if (pos >= text.size() || text[pos] != '"') fail(path, line, "expected a quoted string");
  std::string out;
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      if (text.find_first_not_of(" \t", i + 1) != std::string::npos) fail(path, line, "text after the string");
      return out;
    }
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i == text.size()) break;
    switch (text[i]) {
      case 'r': out.push_back('\r'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case '0': out.push_back('\0'); break;
      case '\\': out.push_back('\\'); break;
      case '"': out.push_back('"'); break;
      case 'x': {
        const int hi = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
        const int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) fail(path, line, "bad \\x escape");
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default: fail(path, line, std::string("unknown escape \\") + text[i]);
    }
  }
  fail(path, line, "unterminated string");
}

}  // namespace

std::vector<corpus_case> load_corpus(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<corpus_case> cases;
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    const auto start = text.find_first_not_of(" \t");
    if (start == std::string::npos || text[start] == '#') continue;
    if (text[start] == '"') {
      if (cases.empty()) fail(path, line, "bytes before any case");
      cases.back().bytes += unquote(text, start, path, line);
      continue;
    }
    const auto space = text.find(' ', start);
    const std::string word = text.substr(start, space == std::string::npos ? space : space - start);
    if (word == "body" || word == "target") {
      if (cases.empty() || space == std::string::npos) fail(path, line, word + " outside a case");
      const auto q = text.find_first_not_of(' ', space);
      (word == "body" ? cases.back().body : cases.back().target) = unquote(text, q, path, line);
      continue;
    }
    if (word != "request" && word != "response") fail(path, line, "unknown keyword " + word);
    corpus_case c;
    c.kind = word;
    c.line = line;
    const auto rest = text.substr(space == std::string::npos ? text.size() : space + 1);
    const auto sep = rest.find(' ');
    if (sep == std::string::npos) fail(path, line, "expected: " + word + " NAME EXPECT");
    c.name = rest.substr(0, sep);
    c.expect = rest.substr(sep + 1);
    const bool known = c.expect == "fwd" || c.expect == "cut" || (c.expect.size() == 3 && std::all_of(c.expect.begin(), c.expect.end(), ::isdigit));
    if (!known) fail(path, line, "expect must be fwd, cut or a status: " + c.expect);
    if (std::any_of(cases.begin(), cases.end(), [&](const corpus_case& o) { return o.name == c.name; }))
      fail(path, line, "duplicate case name " + c.name);
    cases.push_back(std::move(c));
  }
  for (const auto& c : cases)
    if (c.bytes.empty()) fail(path, c.line, "case " + c.name + " has no bytes");
  return cases;
}

std::string expand(const std::string& text, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '{') {
      out.push_back(text[i++]);
      continue;
    }
    const auto close = text.find('}', i);
    const std::string key = close == std::string::npos ? "" : text.substr(i + 1, close - i - 1);
    if (key.empty() || (key.rfind("rep:", 0) != 0 && !vars.contains(key))) {
      out.push_back(text[i++]);  // not a placeholder: a literal brace
      continue;
    }
    if (key.rfind("rep:", 0) == 0) {
      // rep:N:C
      const auto colon = key.find(':', 4);
      if (colon == std::string::npos || colon + 2 != key.size()) throw std::runtime_error("bad {" + key + "}");
      out.append(std::stoul(key.substr(4, colon - 4)), key.back());
    } else {
      out += vars.at(key);
    }
    i = close + 1;
  }
  return out;
}

}  // namespace warren::test
