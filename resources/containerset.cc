#include "resources/containerset.h"

#include <boost/json.hpp>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "resources/field_path.h"
#include "resources/resource_limits.h"

namespace nxt::resources {
namespace {

using internal::ChildPath;

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();

std::string Quote(const std::string& s) { return boost::json::serialize(boost::json::value(s)); }

// "12.5" → {12, 5, 1}: integer part, fraction digits as an integer, and their count.
struct Decimal {
  unsigned __int128 integer = 0;
  unsigned __int128 fraction = 0;
  int fraction_digits = 0;
  std::string suffix;
};

std::optional<Decimal> ParseDecimal(const std::string& text) {
  Decimal d;
  size_t i = 0;
  size_t int_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++int_digits) {
    if (int_digits >= 19) {
      return std::nullopt;
    }
    d.integer = d.integer * 10 + static_cast<unsigned>(text[i] - '0');
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (++d.fraction_digits > 9) {
        return std::nullopt;
      }
      d.fraction = d.fraction * 10 + static_cast<unsigned>(text[i] - '0');
    }
    if (d.fraction_digits == 0) {
      return std::nullopt;
    }
  }
  if (int_digits == 0 && d.fraction_digits == 0) {
    return std::nullopt;
  }
  d.suffix = text.substr(i);
  return d;
}

// integer * unit + ceil(fraction * unit / 10^digits), or nullopt past int64.
std::optional<int64_t> Scale(const Decimal& d, unsigned __int128 unit) {
  unsigned __int128 pow10 = 1;
  for (int i = 0; i < d.fraction_digits; ++i) {
    pow10 *= 10;
  }
  unsigned __int128 value = d.integer * unit + (d.fraction * unit + pow10 - 1) / pow10;
  if (value > static_cast<unsigned __int128>(kMaxInt64)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(value);
}

// Typed reads of a checked spec: a member that is absent reads as its zero value (the
// CRD's defaults were filled in before decoding; nothing here knows them).
const boost::json::object* ObjectAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}
const boost::json::array* ArrayAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}
std::string StringAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}
int IntAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? static_cast<int>(v->get_int64()) : 0;
}
bool BoolAt(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}
std::vector<std::string> StringsAt(const boost::json::object& o, const char* key) {
  std::vector<std::string> out;
  if (const boost::json::array* a = ArrayAt(o, key)) {
    for (const auto& item : *a) {
      if (item.is_string()) {
        out.emplace_back(item.get_string());
      }
    }
  }
  return out;
}

absl::Status DurationAt(const boost::json::object& o, const char* key, absl::Duration& out) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return absl::OkStatus();
  }
  const std::string text(v->get_string());
  absl::StatusOr<absl::Duration> d = ParseDurationField(text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(ChildPath("spec.healthcheck", key),
                                                   ": Invalid value: ", Quote(text), ": ",
                                                   std::string(d.status().message())));
  }
  out = *d;
  return absl::OkStatus();
}

absl::StatusOr<HealthcheckSpec> DecodeHealthcheck(const boost::json::object& o) {
  HealthcheckSpec h;
  h.command = StringsAt(o, "command");
  NXT_RETURN_IF_ERROR(DurationAt(o, "interval", h.interval));
  NXT_RETURN_IF_ERROR(DurationAt(o, "timeout", h.timeout));
  NXT_RETURN_IF_ERROR(DurationAt(o, "startPeriod", h.start_period));
  h.retries = IntAt(o, "retries");
  return h;
}

void DecodeLists(const boost::json::object& o, ContainerSetSpec& spec) {
  if (const boost::json::array* ports = ArrayAt(o, "ports")) {
    for (const auto& item : *ports) {
      if (!item.is_object()) {
        continue;
      }
      const boost::json::object& p = item.get_object();
      spec.ports.push_back({StringAt(p, "name"), IntAt(p, "containerPort"), StringAt(p, "protocol"),
                            IntAt(p, "hostPort"), StringAt(p, "hostIP")});
    }
  }
  if (const boost::json::array* volumes = ArrayAt(o, "volumes")) {
    for (const auto& item : *volumes) {
      if (!item.is_object()) {
        continue;
      }
      const boost::json::object& v = item.get_object();
      spec.volumes.push_back({StringAt(v, "name"), StringAt(v, "mountPath"),
                              StringAt(v, "hostPath"), BoolAt(v, "readOnly")});
    }
  }
  if (const boost::json::object* env = ObjectAt(o, "env")) {
    for (const auto& [key, value] : *env) {
      if (value.is_string()) {
        spec.env[std::string(key)] = std::string(value.get_string());
      }
    }
  }
}

}  // namespace

absl::StatusOr<ContainerSetSpec> DecodeContainerSetSpec(const boost::json::object& o) {
  ContainerSetSpec spec;
  spec.image = StringAt(o, "image");
  spec.replicas = IntAt(o, "replicas");
  spec.command = StringsAt(o, "command");
  spec.args = StringsAt(o, "args");
  spec.networks = StringsAt(o, "networks");
  DecodeLists(o, spec);
  if (const boost::json::object* h = ObjectAt(o, "healthcheck")) {
    NXT_ASSIGN_OR_RETURN(spec.healthcheck, DecodeHealthcheck(*h));
  }
  std::vector<FieldError> errors;
  const ResourceLimits limits = ReadResourceLimits(o, errors);
  NXT_RETURN_IF_ERROR(ToStatus(errors));
  spec.memory_bytes = limits.memory_bytes;
  spec.nano_cpus = limits.nano_cpus;
  spec.deletion_policy =
      StringAt(o, "deletionPolicy") == "Delete" ? DeletionPolicy::kDelete : DeletionPolicy::kRetain;
  spec.suspend = BoolAt(o, "suspend");
  return spec;
}

absl::StatusOr<int64_t> ParseMemoryQuantity(const std::string& text) {
  static const std::vector<std::pair<std::string, unsigned __int128>> kUnits = {
      {"", 1},
      {"k", 1000},
      {"M", 1000 * 1000},
      {"G", 1000ULL * 1000 * 1000},
      {"T", 1000ULL * 1000 * 1000 * 1000},
      {"P", 1000ULL * 1000 * 1000 * 1000 * 1000},
      {"E", 1000ULL * 1000 * 1000 * 1000 * 1000 * 1000},
      {"Ki", 1ULL << 10},
      {"Mi", 1ULL << 20},
      {"Gi", 1ULL << 30},
      {"Ti", 1ULL << 40},
      {"Pi", 1ULL << 50},
      {"Ei", 1ULL << 60}};
  const absl::Status bad = absl::InvalidArgumentError(
      "must be a memory quantity such as 256Mi, 1Gi, 512M or 1048576 (suffixes k M G T P E, "
      "Ki Mi Gi Ti Pi Ei)");
  std::optional<Decimal> d = ParseDecimal(text);
  if (!d) {
    return bad;
  }
  for (const auto& [suffix, unit] : kUnits) {
    if (d->suffix == suffix) {
      std::optional<int64_t> bytes = Scale(*d, unit);
      if (!bytes) {
        return absl::InvalidArgumentError("is too large");
      }
      return *bytes;
    }
  }
  return bad;
}

absl::StatusOr<int64_t> ParseCpuQuantity(const std::string& text) {
  std::optional<Decimal> d = ParseDecimal(text);
  if (!d || (d->suffix != "" && d->suffix != "m")) {
    return absl::InvalidArgumentError(
        "must be a CPU quantity such as 0.5, 2 or 500m (thousandths of a CPU)");
  }
  std::optional<int64_t> nano = Scale(*d, d->suffix == "m" ? 1000000 : 1000000000);
  if (!nano) {
    return absl::InvalidArgumentError("is too large");
  }
  return *nano;
}

absl::StatusOr<absl::Duration> ParseDurationField(const std::string& text) {
  absl::Duration d;
  if (text.empty() || text == "inf" || text == "-inf" || !absl::ParseDuration(text, &d) ||
      d < absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        "must be a duration such as 10s, 1m30s or 500ms (units ns, us, ms, s, m, h)");
  }
  return d;
}

}  // namespace nxt::resources
