#include "cmd/nxtctl/json_path.h"

#include <boost/json.hpp>
#include <cstdlib>
#include <optional>

namespace nxt::nxtctl {
namespace {

using Nodes = std::vector<const boost::json::value*>;

absl::Status SyntaxError(const std::string& path, size_t pos, const std::string& what) {
  return absl::InvalidArgumentError("bad JSONPath \"" + path + "\" at " + std::to_string(pos) +
                                    ": " + what);
}

Nodes Member(const Nodes& in, const std::string& name) {
  Nodes out;
  for (const auto* n : in) {
    if (const boost::json::object* o = n->if_object()) {
      if (const boost::json::value* v = o->if_contains(name)) out.push_back(v);
    }
  }
  return out;
}

Nodes Children(const Nodes& in) {
  Nodes out;
  for (const auto* n : in) {
    if (const boost::json::object* o = n->if_object()) {
      for (const auto& m : *o) out.push_back(&m.value());
    } else if (const boost::json::array* a = n->if_array()) {
      for (const auto& v : *a) out.push_back(&v);
    }
  }
  return out;
}

Nodes Index(const Nodes& in, long index) {
  Nodes out;
  for (const auto* n : in) {
    if (const boost::json::array* a = n->if_array()) {
      long i = index < 0 ? static_cast<long>(a->size()) + index : index;
      if (i >= 0 && i < static_cast<long>(a->size())) out.push_back(&(*a)[i]);
    }
  }
  return out;
}

// Parses a literal: 'x', "x", a number, true, false.
std::optional<boost::json::value> ParseLiteral(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  while (!text.empty() && text.front() == ' ') text.erase(0, 1);
  if (text.size() >= 2 && (text[0] == '"' || text[0] == '\'') && text.back() == text[0]) {
    return boost::json::value(text.substr(1, text.size() - 2));
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !(v.is_number() || v.is_bool())) return std::nullopt;
  return v;
}

bool SameValue(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  return a == b;
}

// filter: "@.a.b==literal" or "@.a.b!=literal" or "@.a" (exists)
absl::StatusOr<Nodes> Filter(const Nodes& in, const std::string& filter, const std::string& path,
                             size_t pos) {
  size_t op = filter.find("==");
  bool negate = false;
  if (op == std::string::npos) {
    op = filter.find("!=");
    negate = op != std::string::npos;
  }
  std::string lhs = filter.substr(0, op);
  while (!lhs.empty() && lhs.back() == ' ') lhs.pop_back();
  if (lhs.empty() || lhs[0] != '@') return SyntaxError(path, pos, "filter must start with @");
  std::optional<boost::json::value> literal;
  if (op != std::string::npos) {
    literal = ParseLiteral(filter.substr(op + 2));
    if (!literal.has_value()) return SyntaxError(path, pos, "bad literal in filter");
  }
  Nodes out;
  for (const auto* element : Children(in)) {
    absl::StatusOr<std::vector<boost::json::value>> got = EvaluateJsonPath(*element, lhs.substr(1));
    if (!got.ok()) return got.status();
    bool match = literal.has_value()
                     ? (!got->empty() && SameValue(got->front(), *literal)) != negate
                     : !got->empty();
    if (match) out.push_back(element);
  }
  return out;
}

// Applies one "[...]" selector whose inside is `inner`.
absl::StatusOr<Nodes> Bracket(const Nodes& in, const std::string& inner, const std::string& path,
                              size_t pos) {
  if (inner == "*") return Children(in);
  if (inner.size() >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner.back() == inner[0]) {
    return Member(in, inner.substr(1, inner.size() - 2));
  }
  if (inner.size() >= 3 && inner[0] == '?' && inner[1] == '(' && inner.back() == ')') {
    return Filter(in, inner.substr(2, inner.size() - 3), path, pos);
  }
  char* end = nullptr;
  long index = std::strtol(inner.c_str(), &end, 10);
  if (inner.empty() || end == nullptr || *end != '\0') {
    return SyntaxError(path, pos, "unsupported selector [" + inner + "]");
  }
  return Index(in, index);
}

// The end of a "[...]" starting at `open`, honouring quotes and nested parentheses.
size_t ClosingBracket(const std::string& p, size_t open) {
  char quote = 0;
  int depth = 0;
  for (size_t i = open + 1; i < p.size(); ++i) {
    char c = p[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == ']' && depth == 0) {
      return i;
    }
  }
  return std::string::npos;
}

}  // namespace

absl::StatusOr<std::vector<boost::json::value>> EvaluateJsonPath(const boost::json::value& root,
                                                                 const std::string& path) {
  std::string p = path;
  if (p.size() >= 2 && p.front() == '{' && p.back() == '}') p = p.substr(1, p.size() - 2);
  if (!p.empty() && p[0] == '$') p.erase(0, 1);
  Nodes nodes{&root};
  size_t i = 0;
  while (i < p.size()) {
    if (p[i] == '.') {
      size_t end = i + 1;
      while (end < p.size() && p[end] != '.' && p[end] != '[') ++end;
      std::string name = p.substr(i + 1, end - i - 1);
      if (name.empty() && end < p.size() && p[end] == '[') {
        i = end;  // ".[0]"
        continue;
      }
      if (name.empty()) return SyntaxError(path, i, "empty field name");
      nodes = name == "*" ? Children(nodes) : Member(nodes, name);
      i = end;
    } else if (p[i] == '[') {
      size_t close = ClosingBracket(p, i);
      if (close == std::string::npos) return SyntaxError(path, i, "unclosed [");
      absl::StatusOr<Nodes> next = Bracket(nodes, p.substr(i + 1, close - i - 1), path, i);
      if (!next.ok()) return next.status();
      nodes = std::move(*next);
      i = close + 1;
    } else {
      return SyntaxError(path, i, std::string("unexpected '") + p[i] + "'");
    }
  }
  std::vector<boost::json::value> out;
  out.reserve(nodes.size());
  for (const auto* n : nodes) out.push_back(*n);
  return out;
}

}  // namespace nxt::nxtctl
