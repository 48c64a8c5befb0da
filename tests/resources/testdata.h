// Where the test data lives: $NXT_SOURCE_DIR (set by CTest) or the configured source dir.
#ifndef NXT_TESTS_RESOURCES_TESTDATA_H_
#define NXT_TESTS_RESOURCES_TESTDATA_H_

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace nxt::resources::testing {

inline std::string SourceDir() {
  const char* env = std::getenv("NXT_SOURCE_DIR");
  return env != nullptr && *env != '\0' ? env : NXT_SOURCE_DIR_DEFAULT;
}

inline std::string ManifestDir(const std::string& sub) {
  return SourceDir() + "/tests/testdata/manifests/" + sub;
}

// Sorted paths of the files in `dir` whose name ends with `suffix`.
inline std::vector<std::string> ListFiles(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(entry.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A gtest-safe parameter name for a file path.
inline std::string TestName(const std::string& path) {
  std::string name = std::filesystem::path(path).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      c = '_';
    }
  }
  return name;
}

}  // namespace nxt::resources::testing

#endif  // NXT_TESTS_RESOURCES_TESTDATA_H_
