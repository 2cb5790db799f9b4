// The framing corpus files: named cases of raw HTTP bytes and what the
// gateway must do with each. Format (one case after another, # comments):
//
//   request <name> <expect>          expect: a status (400, 404, ...) the
//     "raw bytes, C escapes"          public must get with nothing forwarded,
//     "more raw bytes"                or "fwd": forwarded and answered 200
//   body "bytes the origin must get"  (fwd only; default: none)
//   target "/what/the/origin/sees"    (fwd only; default: the request's)
//
//   response <name> <status>          what the origin answers; the public must
//     "raw bytes"                     get <status> (502: refused by the client),
//   body "bytes the public must get"  or, for "cut", a 502 or no complete
//                                     response (a body that ends early is cut
//                                     short if its head was already passed on)
//
// Escapes in quoted strings: \r \n \t \0 \\ \" \xHH. Placeholders: {host}
// (NAME.localhost:PORT of the tunnel under test), {HOST} (the same in upper
// case), {name}, {port}, {rep:N:C} (the character C N times); any other
// brace is a literal one.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace warren::test {

struct corpus_case {
  std::string kind;    // "request" or "response"
  std::string name;
  std::string expect;  // a status number, "fwd" or "cut"
  std::string bytes;   // with placeholders still in it
  std::string body;    // expected body (fwd requests, valid responses)
  std::string target;  // expected origin-side target (fwd requests), may be empty
  int line = 0;        // where the case starts in its file
};

// Parses a corpus file; throws std::runtime_error naming file:line on a
// syntax error.
std::vector<corpus_case> load_corpus(const std::string& path);

// Replaces the placeholders (see above).
std::string expand(const std::string& text, const std::map<std::string, std::string>& vars);

}  // namespace warren::test
