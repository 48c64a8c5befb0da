#include "resources/manifest_reader.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "resources/field_path.h"
#include "resources/yaml_json.h"

namespace nxt::resources {
namespace {

struct Chunk {
  std::string text;
  int first_line = 1;  // 1-based line of the chunk's first line in the file
};

// "---" at column 0, optionally followed by blanks and a comment.
bool IsSeparator(const std::string& line) {
  if (line.compare(0, 3, "---") != 0) {
    return false;
  }
  size_t i = 3;
  if (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
    return false;
  }
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
    ++i;
  }
  return i == line.size() || line[i] == '#';
}

std::vector<Chunk> SplitDocuments(const std::string& content) {
  std::vector<Chunk> chunks(1);
  size_t start = 0;
  int line_number = 1;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    size_t next = end == std::string::npos ? content.size() : end + 1;
    std::string line = content.substr(start, next - start - (end == std::string::npos ? 0 : 1));
    if (line_number == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) {
      line = line.substr(3);  // byte order mark
    }
    if (IsSeparator(line)) {
      chunks.push_back({"", line_number + 1});
    } else {
      chunks.back().text.append(content, start, next - start);
    }
    start = next;
    ++line_number;
  }
  return chunks;
}

SourcePosition PositionOfOffset(const std::string& file, const std::string& content,
                                size_t offset) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (content[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {file, line, static_cast<int>(offset - line_start) + 1};
}

// Offset of the first byte that is NUL or not valid UTF-8, or npos.
size_t FindBinary(const std::string& s, bool* nul) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c == 0) {
      *nul = true;
      return i;
    }
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > n) {
      return i;
    }
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) {
        return i;
      }
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    bool overlong =
        (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return std::string::npos;
}

std::optional<std::string> StringMember(const boost::json::value& v, const char* key) {
  const boost::json::value* m = v.is_object() ? v.get_object().if_contains(key) : nullptr;
  if (m == nullptr || !m->is_string()) {
    return std::nullopt;
  }
  return std::string(m->get_string());
}

std::optional<ObjectKey> ReadKey(const boost::json::value& doc) {
  std::optional<std::string> kind = StringMember(doc, "kind");
  const boost::json::value* meta =
      doc.is_object() ? doc.get_object().if_contains("metadata") : nullptr;
  if (!kind || meta == nullptr) {
    return std::nullopt;
  }
  std::optional<std::string> name = StringMember(*meta, "name");
  if (!name || name->empty()) {
    return std::nullopt;
  }
  return ObjectKey{*kind, StringMember(*meta, "namespace").value_or(kDefaultNamespace), *name};
}

std::map<std::string, std::string> StringMap(const boost::json::value& meta, const char* key) {
  std::map<std::string, std::string> out;
  const boost::json::value* m = meta.is_object() ? meta.get_object().if_contains(key) : nullptr;
  if (m != nullptr && m->is_object()) {
    for (const auto& [k, v] : m->get_object()) {
      if (v.is_string()) {
        out[std::string(k)] = std::string(v.get_string());
      }
    }
  }
  return out;
}

// Finds the kind's entry; adds an error at `kind` (and `apiVersion`) when unknown.
const KindInfo* LookUpKind(const KindRegistry& kinds, const boost::json::value& doc,
                           std::vector<FieldError>& errors, const Object& object) {
  auto error = [&](const std::string& path, std::string message) {
    errors.push_back({object.PositionOf(path), path, std::move(message)});
  };
  const boost::json::value* kind = doc.get_object().if_contains("kind");
  const KindInfo* info = nullptr;
  if (kind == nullptr) {
    error("kind", "Required value");
  } else if (!kind->is_string()) {
    error("kind", "Invalid value: must be of type string");
  } else {
    std::string name(kind->get_string());
    info = kinds.Find(name);
    if (info == nullptr || info->kind != name) {
      std::vector<std::string> known;
      for (const KindInfo& k : kinds.kinds()) {
        known.push_back(absl::StrCat("\"", k.kind, "\""));
      }
      error("kind",
            info != nullptr
                ? absl::StrCat("unknown kind \"", name, "\": did you mean \"", info->kind, "\"?")
                : absl::StrCat("unknown kind \"", name,
                               "\": known kinds: ", absl::StrJoin(known, ", ")));
      info = nullptr;
    }
  }
  if (info == nullptr && StringMember(doc, "apiVersion") != std::string(kApiVersion)) {
    const boost::json::value* v = doc.get_object().if_contains("apiVersion");
    error("apiVersion", v == nullptr
                            ? std::string("Required value")
                            : absl::StrCat("Unsupported value: ", boost::json::serialize(*v),
                                           ": supported values: \"", kApiVersion, "\""));
  }
  return info;
}

void AddSemanticErrors(const KindInfo& info, const Object& object,
                       std::vector<FieldError>& errors) {
  if (!info.check) {
    return;
  }
  std::set<std::string> reported;
  for (const FieldError& e : errors) {
    reported.insert(e.field_path);
  }
  for (FieldError& e : info.check(object, nullptr)) {
    if (reported.contains(e.field_path)) {
      continue;  // the schema already explained what is wrong there
    }
    if (e.position.line == 0) {
      e.position = object.PositionOf(e.field_path);
    }
    errors.push_back(std::move(e));
  }
}

// Every string of the document's metadata and spec that is the redaction placeholder
// (status is never read from a manifest), by field path.
void FindPlaceholders(const boost::json::value& v, const std::string& path,
                      std::vector<std::string>& out) {
  if (v.is_string() && v.get_string() == kRedactedPlaceholder) {
    out.push_back(path);
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.get_array().size(); ++i) {
      FindPlaceholders(v.get_array()[i], internal::IndexPath(path, i), out);
    }
  } else if (v.is_object()) {
    for (const auto& [key, member] : v.get_object()) {
      if (!path.empty() || key != "status") {
        FindPlaceholders(member, internal::ChildPath(path, std::string(key)), out);
      }
    }
  }
}

// A manifest read back from `nxtctl get -o yaml` must not store the placeholder as a
// secret's value. Returns the placeholders' paths (schema errors there are dropped:
// this one says what is really wrong).
std::set<std::string> AddPlaceholderErrors(const boost::json::value& doc, const Object& object,
                                           std::vector<FieldError>& errors) {
  std::vector<std::string> paths;
  FindPlaceholders(doc, "", paths);
  for (const std::string& path : paths) {
    errors.push_back({object.PositionOf(path), path,
                      absl::StrCat("Invalid value: \"", kRedactedPlaceholder,
                                   "\" is the placeholder get and describe show in place of a "
                                   "secret, not a value: write the real value")});
  }
  return {paths.begin(), paths.end()};
}

// Validates one converted document into `object`; returns its errors.
std::vector<FieldError> BuildObject(const KindRegistry& kinds, boost::json::value& doc,
                                    Object& object) {
  std::vector<FieldError> errors;
  if (!doc.is_object()) {
    errors.push_back({object.source, "",
                      "a manifest must be a mapping with apiVersion, kind, metadata and spec"});
    return errors;
  }
  const KindInfo* info = LookUpKind(kinds, doc, errors, object);
  if (info == nullptr) {
    return errors;
  }
  std::set<std::string> placeholders = AddPlaceholderErrors(doc, object, errors);
  // The CRD's defaults first (KindRegistry::ApplyDefaults' algorithm), so the schema,
  // the semantic check, the store and the controllers all see the defaulted spec.
  info->schema->ApplyDefaults(doc);
  for (SchemaViolation& v : info->schema->Validate(doc, "")) {
    if (placeholders.contains(v.field_path)) {
      continue;
    }
    errors.push_back({object.PositionOf(v.field_path), v.field_path, std::move(v.message)});
  }
  boost::json::object& root = doc.get_object();
  object.api_version = StringMember(doc, "apiVersion").value_or(kApiVersion);
  object.kind = info->kind;
  static const boost::json::value kNull;
  const boost::json::value* meta_ptr = root.if_contains("metadata");
  const boost::json::value& meta = meta_ptr != nullptr ? *meta_ptr : kNull;
  object.metadata.name = StringMember(meta, "name").value_or("");
  object.metadata.namespace_ = StringMember(meta, "namespace").value_or(kDefaultNamespace);
  object.metadata.labels = StringMap(meta, "labels");
  object.metadata.annotations = StringMap(meta, "annotations");
  if (boost::json::value* spec = root.if_contains("spec"); spec != nullptr && spec->is_object()) {
    object.spec = std::move(spec->get_object());
  }
  AddSemanticErrors(*info, object, errors);
  return errors;
}

void ParseChunk(const KindRegistry& kinds, const std::string& file, const Chunk& chunk,
                std::map<ObjectKey, SourcePosition>& seen, ParseResult& result) {
  internal::YamlDocument doc = internal::LoadYamlDocument(chunk.text, file, chunk.first_line);
  DocumentText& text = result.documents.emplace_back(DocumentText{std::nullopt, chunk.text});
  if (doc.syntax_error) {
    result.file_errors.push_back(*doc.syntax_error);
    return;
  }
  if (doc.empty) {
    return;
  }
  text.key = ReadKey(doc.value);
  Object object;
  object.source = doc.root;
  object.field_positions = std::move(doc.positions);
  std::vector<FieldError> errors = std::move(doc.errors);
  if (!doc.truncated) {  // validating half a document would only add noise
    std::vector<FieldError> more = BuildObject(kinds, doc.value, object);
    errors.insert(errors.end(), more.begin(), more.end());
  }
  if (text.key) {
    auto [it, inserted] = seen.emplace(*text.key, object.source);
    if (!inserted) {
      errors.push_back({object.PositionOf("metadata.name"), "metadata.name",
                        absl::StrCat("Duplicate value: ", text.key->ToString(),
                                     " is already defined at ", it->second.ToString())});
    }
  }
  if (errors.empty()) {
    result.objects.push_back(std::move(object));
    return;
  }
  std::stable_sort(errors.begin(), errors.end(), [](const FieldError& a, const FieldError& b) {
    return std::tie(a.position.line, a.position.column) <
           std::tie(b.position.line, b.position.column);
  });
  result.invalid.push_back({text.key, std::move(errors)});
}

}  // namespace

std::vector<FieldError> ParseResult::AllErrors() const {
  std::vector<FieldError> all = file_errors;
  for (const InvalidDocument& doc : invalid) {
    all.insert(all.end(), doc.errors.begin(), doc.errors.end());
  }
  return all;
}

ParseResult ParseManifest(const KindRegistry& kinds, const std::string& file_name,
                          const std::string& content, size_t max_bytes) {
  ParseResult result;
  if (content.size() > max_bytes) {
    result.file_errors.push_back({{file_name, 0, 0},
                                  "",
                                  absl::StrCat("file too large: ", content.size(),
                                               " bytes, the limit is ", max_bytes, " bytes")});
    return result;
  }
  bool nul = false;
  if (size_t bad = FindBinary(content, &nul); bad != std::string::npos) {
    result.file_errors.push_back(
        {PositionOfOffset(file_name, content, bad), "",
         nul ? "binary content refused: NUL byte" : "binary content refused: invalid UTF-8"});
    return result;
  }
  std::map<ObjectKey, SourcePosition> seen;
  for (const Chunk& chunk : SplitDocuments(content)) {
    try {
      ParseChunk(kinds, file_name, chunk, seen, result);
    } catch (const std::exception& e) {
      result.file_errors.push_back(
          {{file_name, chunk.first_line, 0}, "", absl::StrCat("internal error: ", e.what())});
    }
  }
  return result;
}

ParseResult ReadManifestFile(const KindRegistry& kinds, const std::string& path, size_t max_bytes) {
  ParseResult result;
  auto fail = [&](std::string message) {
    result.file_errors.push_back({{path, 0, 0}, "", std::move(message)});
    return result;
  };
  std::error_code ec;
  std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (ec) {
    return fail(absl::StrCat("cannot read: ", ec.message()));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return fail("not a regular file");
  }
  uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes) {
    return fail(
        absl::StrCat("file too large: ", size, " bytes, the limit is ", max_bytes, " bytes"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(absl::StrCat("cannot read: ", std::strerror(errno)));
  }
  std::string content(max_bytes + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<size_t>(in.gcount()));
  return ParseManifest(kinds, path, content, max_bytes);
}

bool IsManifestFileName(const std::string& file_name) {
  std::string base = std::filesystem::path(file_name).filename().string();
  if (base.empty() || base[0] == '.' || base[0] == '#' || base.back() == '~') {
    return false;
  }
  auto ends_with = [&](const std::string& suffix) {
    return base.size() > suffix.size() &&
           base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends_with(".yaml") || ends_with(".yml");
}

}  // namespace nxt::resources
