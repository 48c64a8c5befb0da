#include "cmd/nxtctl/printing.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace nxt::nxtctl {
namespace {

constexpr size_t kPadding = 3;   // kubectl's tabwriter padding
constexpr size_t kMinWidth = 6;  // and minimum cell width

std::string Quoted(const std::string& s) { return boost::json::serialize(boost::json::value(s)); }

bool NeedsQuotes(const std::string& s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.back() == ':') return true;
  static const std::string kSpecialFirst = "-?:,[]{}#&*!|>'\"%@`.+0123456789";
  if (kSpecialFirst.find(s.front()) != std::string::npos) return true;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
  std::string lower = absl::AsciiStrToLower(s);
  for (const char* word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}) {
    if (lower == word) return true;
  }
  return false;
}

std::string YamlScalar(const boost::json::value& v) {
  if (v.is_string()) {
    std::string s(v.as_string());
    return NeedsQuotes(s) ? Quoted(s) : s;
  }
  if (v.is_null()) return "null";
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_number()) return NumberText(v);
  if (v.is_object()) return "{}";
  return "[]";
}

bool IsNonEmptyContainer(const boost::json::value& v) {
  return (v.is_object() && !v.as_object().empty()) || (v.is_array() && !v.as_array().empty());
}

void EmitYaml(const boost::json::value& v, int indent, std::string& out);

// A sequence item that is itself a block: "- " takes the place of its first indent.
void EmitItemBlock(const boost::json::value& item, int indent, std::string& out) {
  std::string block;
  EmitYaml(item, indent + 2, block);
  block.replace(static_cast<size_t>(indent), 2, "- ");
  out += block;
}

void EmitYaml(const boost::json::value& v, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (const boost::json::object* o = v.if_object()) {
    for (const auto& m : *o) {
      std::string key(m.key());
      out += pad + (NeedsQuotes(key) ? Quoted(key) : key) + ":";
      if (m.value().is_object() && IsNonEmptyContainer(m.value())) {
        out += "\n";
        EmitYaml(m.value(), indent + 2, out);
      } else if (IsNonEmptyContainer(m.value())) {
        out += "\n";
        EmitYaml(m.value(), indent, out);
      } else {
        out += " " + YamlScalar(m.value()) + "\n";
      }
    }
  } else if (const boost::json::array* a = v.if_array()) {
    for (const auto& item : *a) {
      if (IsNonEmptyContainer(item)) {
        EmitItemBlock(item, indent, out);
      } else {
        out += pad + "- " + YamlScalar(item) + "\n";
      }
    }
  } else {
    out += pad + YamlScalar(v) + "\n";
  }
}

void EmitJson(const boost::json::value& v, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent + 4), ' ');
  const std::string close_pad(static_cast<size_t>(indent), ' ');
  if (const boost::json::object* o = v.if_object(); o != nullptr && !o->empty()) {
    out += "{\n";
    size_t i = 0;
    for (const auto& m : *o) {
      out += pad + Quoted(std::string(m.key())) + ": ";
      EmitJson(m.value(), indent + 4, out);
      out += ++i < o->size() ? ",\n" : "\n";
    }
    out += close_pad + "}";
  } else if (const boost::json::array* a = v.if_array(); a != nullptr && !a->empty()) {
    out += "[\n";
    for (size_t i = 0; i < a->size(); ++i) {
      out += pad;
      EmitJson((*a)[i], indent + 4, out);
      out += i + 1 < a->size() ? ",\n" : "\n";
    }
    out += close_pad + "]";
  } else if (v.is_double()) {
    out += NumberText(v);
  } else {
    out += boost::json::serialize(v);
  }
}

}  // namespace

std::string HumanDuration(absl::Duration d) {
  const int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return absl::StrFormat("%ds", seconds);
  const int64_t minutes = seconds / 60;
  if (minutes < 10) {
    const int64_t s = seconds % 60;
    return s == 0 ? absl::StrFormat("%dm", minutes) : absl::StrFormat("%dm%ds", minutes, s);
  }
  if (minutes < 60 * 3) return absl::StrFormat("%dm", minutes);
  const int64_t hours = minutes / 60;
  if (hours < 8) {
    const int64_t m = minutes % 60;
    return m == 0 ? absl::StrFormat("%dh", hours) : absl::StrFormat("%dh%dm", hours, m);
  }
  if (hours < 48) return absl::StrFormat("%dh", hours);
  if (hours < 24 * 8) {
    const int64_t h = hours % 24;
    return h == 0 ? absl::StrFormat("%dd", hours / 24) : absl::StrFormat("%dd%dh", hours / 24, h);
  }
  if (hours < 24 * 365 * 2) return absl::StrFormat("%dd", hours / 24);
  if (hours < 24 * 365 * 8) {
    const int64_t dy = (hours / 24) % 365;
    return dy == 0 ? absl::StrFormat("%dy", hours / 24 / 365)
                   : absl::StrFormat("%dy%dd", hours / 24 / 365, dy);
  }
  return absl::StrFormat("%dy", hours / 24 / 365);
}

void Table::Print(std::ostream& out, const std::string& indent) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows_) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(std::max(widths[i] + kPadding, kMinWidth) - row[i].size(), ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

std::string NumberText(const boost::json::value& number) {
  if (number.is_int64()) return std::to_string(number.as_int64());
  if (number.is_uint64()) return std::to_string(number.as_uint64());
  const double d = number.is_double() ? number.as_double() : 0.0;
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
    return absl::StrFormat("%.0f", d);
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::string text = absl::StrFormat("%.*g", precision, d);
    if (std::strtod(text.c_str(), nullptr) == d) return text;
  }
  return absl::StrFormat("%.17g", d);
}

std::string ScalarText(const boost::json::value& value) {
  if (value.is_string()) return std::string(value.as_string());
  if (value.is_number()) return NumberText(value);
  if (value.is_bool()) return value.as_bool() ? "true" : "false";
  if (value.is_null()) return "";
  return boost::json::serialize(value);
}

std::string ToPrettyJson(const boost::json::value& value) {
  std::string out;
  EmitJson(value, 0, out);
  return out + "\n";
}

std::string ToYaml(const boost::json::value& value, int indent) {
  std::string out;
  if (!IsNonEmptyContainer(value))
    return std::string(static_cast<size_t>(indent), ' ') + YamlScalar(value) + "\n";
  EmitYaml(value, indent, out);
  return out;
}

}  // namespace nxt::nxtctl
