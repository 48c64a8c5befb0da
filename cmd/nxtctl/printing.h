// Output helpers shaped like kubectl's: ages, aligned tables, JSON and YAML.
#ifndef NXT_CMD_NXTCTL_PRINTING_H_
#define NXT_CMD_NXTCTL_PRINTING_H_

#include <boost/json/value.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace nxt::nxtctl {

// kubectl's HumanDuration: "5s", "3m20s", "15m", "2h", "4d", "2y"; "<invalid>" for a
// time well in the future, "0s" for a little.
std::string HumanDuration(absl::Duration d);

// Columns left-aligned, separated by three spaces, no padding after the last one
// (kubectl's tabwriter settings).
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Prints every line prefixed by `indent`.
  void Print(std::ostream& out, const std::string& indent = "") const;
  size_t size() const { return rows_.size() - 1; }

 private:
  std::vector<std::vector<std::string>> rows_;
};

// A table cell: strings as they are, numbers without exponent, others as compact JSON.
std::string ScalarText(const boost::json::value& value);
// Numbers as C++ would print them for humans ("2.5", "3", "1e+21" never: "1000000000000000000000").
std::string NumberText(const boost::json::value& number);

// Indented (4 spaces), members in stored order, trailing newline.
std::string ToPrettyJson(const boost::json::value& value);
// Block-style YAML (as kubectl -o yaml prints it: sequences not indented under their
// key), strings quoted only when needed, trailing newline. Indents every line by
// `indent` spaces.
std::string ToYaml(const boost::json::value& value, int indent = 0);

}  // namespace nxt::nxtctl

#endif  // NXT_CMD_NXTCTL_PRINTING_H_
