#include "resources/yaml_scan.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "resources/field_path.h"

namespace nxt::resources::internal {
namespace {

// What one use of an anchor costs, measured where it was defined.
struct AnchorCost {
  bool closed = false;  // false while its own collection is still open
  size_t nodes = 0;
  // Its bytes minus `nodes` times its own path's length: a use at a path of length P
  // costs relative_bytes + nodes * P.
  size_t relative_bytes = 0;
  std::optional<std::string> scalar;  // its text, when it is a scalar (a key may alias it)
};

// Counts what Converter (yaml_json.cc) will build: one node per value (the root, every
// sequence item, every mapping value, every node an alias expands to), the bytes of
// scalars and keys, and the length of each node's field path. Complex (non-scalar) keys
// are counted as nodes too, although the converter refuses them: an overestimate.
class ExpansionCounter : public YAML::EventHandler {
 public:
  ExpansionCounter(const std::string& file, int first_line, YamlScan& out)
      : file_(file), first_line_(first_line), out_(out) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++out_.documents == 2) {
      out_.second_document = Position(mark);
    }
  }
  void OnDocumentEnd() override {}
  void OnAnchor(const YAML::Mark&, const std::string& name) override { pending_name_ = name; }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Scalar(mark, anchor, std::string());
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    Scalar(mark, anchor, value);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor, false);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor, true);
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    bool is_map = false;
    YAML::anchor_t anchor = YAML::NullAnchor;
    std::string path;
    size_t nodes_before = 0;  // totals before this collection was counted
    size_t bytes_before = 0;
    bool at_key = true;              // maps: the next node is a key
    std::optional<std::string> key;  // maps: the key of the value that comes next
    size_t index = 0;                // sequences: the next item's index
  };
  // Where the next node goes.
  struct Slot {
    bool key = false;
    std::string path;
  };

  bool Ignoring() const { return out_.documents != 1 || out_.too_large.has_value(); }

  SourcePosition Position(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.line < 0) {
      return {file_, first_line_, 0};
    }
    return {file_, mark.line + first_line_, mark.column + 1};
  }

  Slot NextSlot() const {
    if (stack_.empty()) {
      return {};
    }
    const Frame& top = stack_.back();
    if (!top.is_map) {
      return {false, IndexPath(top.path, top.index)};
    }
    if (top.at_key) {
      return {true, top.path};
    }
    return {false, top.key.has_value() ? ChildPath(top.path, *top.key) : top.path};
  }

  // The top collection got one more key or value (`key`: the text of a scalar key).
  void Advance(const std::string* key) {
    if (stack_.empty()) {
      return;
    }
    Frame& top = stack_.back();
    if (!top.is_map) {
      ++top.index;
    } else if (top.at_key) {
      top.key = key != nullptr ? std::optional<std::string>(*key) : std::nullopt;
      top.at_key = false;
    } else {
      top.at_key = true;
    }
  }

  void Fail(const YAML::Mark& mark, const std::string& path, std::string message) {
    out_.too_large = FieldError{Position(mark), path, std::move(message)};
  }

  // Adds a node's cost; false (and the error set) when a limit is crossed.
  bool Charge(const YAML::Mark& mark, const std::string& path, size_t nodes, size_t bytes,
              const std::string& alias) {
    nodes_ += nodes;
    bytes_ += bytes;
    std::string why = alias.empty() ? "" : absl::StrCat(", counting alias *", alias);
    if (nodes_ > kMaxYamlNodes) {
      Fail(mark, path,
           absl::StrCat("document too large: more than ", kMaxYamlNodes,
                        " nodes (aliases count each time they are used", why, ")"));
    } else if (bytes_ > kMaxYamlExpandedBytes) {
      Fail(mark, path,
           absl::StrCat("document too large: expands to more than ", kMaxYamlExpandedBytes,
                        " bytes (aliases count each time they are used", why, ")"));
    } else if (stack_.size() > static_cast<size_t>(kMaxYamlDepth)) {
      Fail(mark, path, absl::StrCat("nested deeper than ", kMaxYamlDepth, " levels"));
    }
    return !out_.too_large.has_value();
  }

  void Scalar(const YAML::Mark& mark, YAML::anchor_t anchor, const std::string& value) {
    std::string name = std::exchange(pending_name_, "");
    if (Ignoring()) {
      return;
    }
    Slot slot = NextSlot();
    size_t nodes = slot.key ? 0 : 1;
    if (!Charge(mark, slot.path, nodes, value.size() + (slot.key ? 0 : slot.path.size()), "")) {
      return;
    }
    if (anchor != YAML::NullAnchor) {
      anchors_[anchor] = {true, 1, value.size(), value};
      names_[anchor] = std::move(name);
    }
    Advance(&value);
  }

  void Open(const YAML::Mark& mark, YAML::anchor_t anchor, bool is_map) {
    std::string name = std::exchange(pending_name_, "");
    if (Ignoring()) {
      return;
    }
    Slot slot = NextSlot();
    Frame frame;
    frame.is_map = is_map;
    frame.anchor = anchor;
    frame.path = std::move(slot.path);
    frame.nodes_before = nodes_;
    frame.bytes_before = bytes_;
    if (!Charge(mark, frame.path, 1, frame.path.size(), "")) {
      return;
    }
    if (anchor != YAML::NullAnchor) {
      anchors_[anchor] = AnchorCost{};  // not closed: an alias to it inside it is recursive
      names_[anchor] = std::move(name);
    }
    stack_.push_back(std::move(frame));
  }

  void Close() {
    if (Ignoring() || stack_.empty()) {
      return;
    }
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.anchor != YAML::NullAnchor) {
      size_t nodes = nodes_ - frame.nodes_before;
      size_t bytes = bytes_ - frame.bytes_before;
      anchors_[frame.anchor] = {true, nodes, bytes - nodes * frame.path.size(), std::nullopt};
    }
    Advance(nullptr);
  }

  const std::string& file_;
  const int first_line_;
  YamlScan& out_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, AnchorCost> anchors_;
  std::map<YAML::anchor_t, std::string> names_;
  std::string pending_name_;  // OnAnchor comes just before the anchored node's event
  size_t nodes_ = 0;
  size_t bytes_ = 0;
};

void ExpansionCounter::OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) {
  if (Ignoring()) {
    return;
  }
  Slot slot = NextSlot();
  const std::string& name = names_[anchor];
  auto it = anchors_.find(anchor);
  if (it == anchors_.end() || !it->second.closed) {
    Fail(mark, slot.path,
         absl::StrCat("alias *", name, " is used inside its own anchor (a recursive alias)"));
    return;
  }
  const AnchorCost& cost = it->second;
  bool charged = slot.key ? Charge(mark, slot.path, 0, cost.relative_bytes, name)
                          : Charge(mark, slot.path, cost.nodes,
                                   cost.relative_bytes + cost.nodes * slot.path.size(), name);
  if (charged) {
    Advance(cost.scalar.has_value() ? &*cost.scalar : nullptr);
  }
}

}  // namespace

YamlScan ScanYamlDocument(const std::string& text, const std::string& file, int first_line) {
  YamlScan out;
  std::istringstream in(text);
  YAML::Parser parser(in);
  ExpansionCounter counter(file, first_line, out);
  // yaml-cpp 0.7 never returns from LoadAll on stray top-level content such as ",": the
  // parser does not advance. Two documents are enough to know there is more than one.
  for (int calls = 0; calls < 2 && parser.HandleNextDocument(counter); ++calls) {
  }
  return out;
}

}  // namespace nxt::resources::internal
