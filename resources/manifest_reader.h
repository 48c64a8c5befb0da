// Reads manifests: YAML (multi-document) → validated, defaulted Objects, with every
// problem reported as file:line:col: field.path: message. No exception escapes.
#ifndef NXT_RESOURCES_MANIFEST_READER_H_
#define NXT_RESOURCES_MANIFEST_READER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "resources/field_error.h"
#include "resources/kind_registry.h"
#include "resources/object.h"

namespace nxt::resources {

inline constexpr size_t kDefaultMaxManifestBytes = 1 << 20;  // 1 MiB

// A document that failed. `key` is set when kind, name (and namespace) could still be
// read, so the caller can mark that object Stalled instead of touching it.
struct InvalidDocument {
  std::optional<ObjectKey> key;
  std::vector<FieldError> errors;
};

// One document's raw text, kept so a file can be rewritten with one document replaced
// and the others byte-for-byte as the user wrote them.
struct DocumentText {
  std::optional<ObjectKey> key;
  std::string text;  // without the leading "---" line
};

struct ParseResult {
  std::vector<Object> objects;           // valid documents, in file order
  std::vector<InvalidDocument> invalid;  // failed documents
  // A problem with the file as a whole (too large, binary, YAML syntax error that stops
  // the parser): nothing in `objects` can be trusted; keep what was there before.
  std::vector<FieldError> file_errors;
  std::vector<DocumentText> documents;

  bool ok() const { return invalid.empty() && file_errors.empty(); }
  // Every error of the file, file-level first.
  std::vector<FieldError> AllErrors() const;
};

// Parses `content` as the manifest file `file_name` (the name only appears in
// positions). Empty documents are skipped. Semantic checks run with current = nullptr.
ParseResult ParseManifest(const KindRegistry& kinds, const std::string& file_name,
                          const std::string& content, size_t max_bytes = kDefaultMaxManifestBytes);

// Reads and parses one file from disk (size limit checked before reading; binary
// content, i.e. a NUL byte or invalid UTF-8, refused).
ParseResult ReadManifestFile(const KindRegistry& kinds, const std::string& path,
                             size_t max_bytes = kDefaultMaxManifestBytes);

// True for names the manifest source reads: *.yaml, *.yml, not hidden ("."), not editor
// temporaries ("~" suffix, ".swp", "#...#").
bool IsManifestFileName(const std::string& file_name);

// Renders an object as a YAML manifest document (apiVersion, kind, metadata{name,
// namespace, labels, annotations}, spec) for `nxtctl apply` to write.
std::string ToManifestYaml(const Object& object);

}  // namespace nxt::resources

#endif  // NXT_RESOURCES_MANIFEST_READER_H_
