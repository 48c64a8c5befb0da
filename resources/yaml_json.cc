#include "resources/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "resources/field_path.h"
#include "resources/yaml_scan.h"

namespace nxt::resources::internal {
namespace {

bool IsIdentifier(const std::string& key) {
  if (key.empty() || !(std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_')) {
    return false;
  }
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool AllOf(const char* begin, const char* end, bool (*pred)(char)) {
  if (begin == end) {
    return false;
  }
  for (const char* p = begin; p != end; ++p) {
    if (!pred(*p)) {
      return false;
    }
  }
  return true;
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsOctal(char c) { return c >= '0' && c <= '7'; }
bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Hand-written matchers: std::regex recurses per character and a long scalar would
// overflow the stack.
std::optional<boost::json::value> ResolveInteger(const std::string& text) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  int base = 10;
  bool negative = false;
  if (text.size() > 2 && text[0] == '0' && text[1] == 'o' && AllOf(begin + 2, end, IsOctal)) {
    base = 8;
    begin += 2;
  } else if (text.size() > 2 && text[0] == '0' && text[1] == 'x' && AllOf(begin + 2, end, IsHex)) {
    base = 16;
    begin += 2;
  } else {
    if (*begin == '+' || *begin == '-') {
      negative = *begin == '-';
      ++begin;
    }
    if (!AllOf(begin, end, IsDigit)) {
      return std::nullopt;
    }
  }
  uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(begin, end, magnitude, base);
  if (ec != std::errc() || ptr != end) {
    // Out of range: keep the magnitude as a float, as JSON parsers do.
    return boost::json::value(std::strtod(text.c_str(), nullptr));
  }
  if (!negative) {
    if (magnitude <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return boost::json::value(static_cast<int64_t>(magnitude));
    }
    return boost::json::value(magnitude);
  }
  if (magnitude <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) {
    return boost::json::value(static_cast<int64_t>(0 - magnitude));
  }
  return boost::json::value(std::strtod(text.c_str(), nullptr));
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, .inf, .nan (YAML 1.2 core).
bool IsCoreFloat(const std::string& text) {
  size_t i = 0;
  const size_t n = text.size();
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    ++i;
  }
  size_t int_digits = 0;
  while (i < n && IsDigit(text[i])) {
    ++i;
    ++int_digits;
  }
  size_t frac_digits = 0;
  if (i < n && text[i] == '.') {
    ++i;
    while (i < n && IsDigit(text[i])) {
      ++i;
      ++frac_digits;
    }
  }
  if (int_digits == 0 && frac_digits == 0) {
    return false;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      ++i;
    }
    size_t exp_digits = 0;
    while (i < n && IsDigit(text[i])) {
      ++i;
      ++exp_digits;
    }
    if (exp_digits == 0) {
      return false;
    }
  }
  return i == n;
}

std::optional<boost::json::value> ResolveFloat(const std::string& text) {
  const double inf = std::numeric_limits<double>::infinity();
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf" || text == "+.Inf" ||
      text == "+.INF") {
    return boost::json::value(inf);
  }
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") {
    return boost::json::value(-inf);
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    return boost::json::value(std::numeric_limits<double>::quiet_NaN());
  }
  if (!IsCoreFloat(text)) {
    return std::nullopt;
  }
  return boost::json::value(std::strtod(text.c_str(), nullptr));
}

class Converter {
 public:
  Converter(const std::string& file, int first_line, YamlDocument& out)
      : file_(file), first_line_(first_line), out_(out) {}

  boost::json::value Convert(const YAML::Node& node, const std::string& path, int depth) {
    if (++nodes_ > kMaxYamlNodes) {
      Fail(node, path,
           absl::StrCat("document too large: more than ", kMaxYamlNodes,
                        " nodes (aliases count each time they are used)"));
      return nullptr;
    }
    if (depth > kMaxYamlDepth) {
      Fail(node, path, absl::StrCat("nested deeper than ", kMaxYamlDepth, " levels"));
      return nullptr;
    }
    switch (node.Type()) {
      case YAML::NodeType::Scalar:
        return ConvertScalar(node);
      case YAML::NodeType::Sequence:
        return ConvertSequence(node, path, depth);
      case YAML::NodeType::Map:
        return ConvertMap(node, path, depth);
      default:
        return nullptr;
    }
  }

  SourcePosition Position(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.line < 0) {
      return {file_, 0, 0};
    }
    return {file_, mark.line + first_line_, mark.column + 1};
  }

 private:
  void Fail(const YAML::Node& node, const std::string& path, std::string message) {
    if (failed_) {
      return;  // one "too large" / "too deep" report per document is enough
    }
    failed_ = true;
    out_.truncated = true;
    out_.errors.push_back({Position(node.Mark()), path, std::move(message)});
  }

  boost::json::value ConvertScalar(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      return boost::json::value(text);
    }
    return ResolvePlainScalar(text);
  }

  boost::json::value ConvertSequence(const YAML::Node& node, const std::string& path, int depth) {
    boost::json::array array;
    size_t index = 0;
    for (const YAML::Node& item : node) {
      std::string item_path = IndexPath(path, index++);
      out_.positions.emplace(item_path, Position(item.Mark()));
      array.push_back(Convert(item, item_path, depth + 1));
      if (failed_) {
        break;
      }
    }
    return array;
  }

  boost::json::value ConvertMap(const YAML::Node& node, const std::string& path, int depth) {
    boost::json::object object;
    std::map<std::string, int> key_lines;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      SourcePosition key_position = Position(key.Mark());
      if (key.Type() != YAML::NodeType::Scalar) {
        out_.errors.push_back({key_position, path, "mapping keys must be strings"});
        continue;
      }
      const std::string& name = key.Scalar();
      std::string child_path = ChildPath(path, name);
      auto [it, inserted] = key_lines.emplace(name, key_position.line);
      if (!inserted) {
        out_.errors.push_back(
            {key_position, child_path,
             absl::StrCat("duplicate key (first defined at line ", it->second, ")")});
        continue;
      }
      out_.positions.emplace(child_path, key_position);
      object[name] = Convert(entry.second, child_path, depth + 1);
      if (failed_) {
        break;
      }
    }
    return object;
  }

  const std::string& file_;
  const int first_line_;
  YamlDocument& out_;
  size_t nodes_ = 0;
  bool failed_ = false;
};

}  // namespace

std::string ChildPath(const std::string& parent, const std::string& key) {
  if (IsIdentifier(key)) {
    return parent.empty() ? key : absl::StrCat(parent, ".", key);
  }
  return absl::StrCat(parent, "[", key, "]");
}

std::string IndexPath(const std::string& parent, size_t index) {
  return absl::StrCat(parent, "[", index, "]");
}

boost::json::value ResolvePlainScalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") {
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    return false;
  }
  if (auto integer = ResolveInteger(text)) {
    return *integer;
  }
  if (auto real = ResolveFloat(text)) {
    return *real;
  }
  return boost::json::value(text);
}

YamlDocument LoadYamlDocument(const std::string& text, const std::string& file, int first_line) {
  YamlDocument out;
  Converter converter(file, first_line, out);
  try {
    YamlScan scan = ScanYamlDocument(text, file, first_line);
    if (scan.documents > 1) {
      SourcePosition where = scan.second_document;
      if (where.line == 0) {
        where = {file, first_line, 1};
      }
      out.syntax_error = FieldError{
          where, "",
          "YAML syntax error: more than one document (put \"---\" on a line of its own) or "
          "stray content after the document"};
      return out;
    }
    if (scan.too_large.has_value()) {  // refused before yaml-cpp builds a single node
      out.errors.push_back(std::move(*scan.too_large));
      out.truncated = true;
      return out;
    }
    YAML::Node node = YAML::Load(text);
    if (node.IsNull()) {
      out.empty = true;
      return out;
    }
    out.root = converter.Position(node.Mark());
    out.value = converter.Convert(node, "", 0);
  } catch (const YAML::Exception& e) {
    out.syntax_error =
        FieldError{converter.Position(e.mark), "", absl::StrCat("YAML syntax error: ", e.msg)};
  } catch (const std::exception& e) {
    out.syntax_error =
        FieldError{{file, first_line, 0}, "", absl::StrCat("cannot read YAML: ", e.what())};
  }
  return out;
}

}  // namespace nxt::resources::internal
