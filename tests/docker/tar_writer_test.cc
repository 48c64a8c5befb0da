#include "docker/tar_writer.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace nxt::docker {
namespace {

using ::nxt::testing::IsOk;
using ::nxt::testing::StatusIs;

std::string Field(const std::string& tar, size_t offset, size_t width) {
  std::string f = tar.substr(offset, width);
  return f.substr(0, f.find('\0'));
}

TEST(TarWriterTest, HeaderFieldsAndChecksum) {
  auto tar = MakeSingleFileTar("etc/app.conf", "hello\n", 0640, 1'700'000'000);
  ASSERT_THAT(tar, IsOk());
  ASSERT_EQ(tar->size(), 512u * 4);  // header, one data block, two end blocks
  EXPECT_EQ(Field(*tar, 0, 100), "etc/app.conf");
  EXPECT_EQ(Field(*tar, 100, 8), "0000640");
  EXPECT_EQ(Field(*tar, 124, 12), "00000000006");
  EXPECT_EQ((*tar)[156], '0');
  EXPECT_EQ(tar->substr(257, 6), std::string("ustar\0", 6));
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : (unsigned char)(*tar)[i];
  EXPECT_EQ(std::strtoul(Field(*tar, 148, 8).c_str(), nullptr, 8), sum);
  EXPECT_EQ(tar->substr(512, 6), "hello\n");
  EXPECT_EQ(tar->find_first_not_of('\0', 512 + 6), std::string::npos);
}

TEST(TarWriterTest, SystemTarReadsItBack) {
  nxt::testing::TempDir dir;
  std::string long_dir(120, 'd');
  std::string name = long_dir + "/secret.txt";  // needs the ustar prefix field
  std::string content(1000, 'x');
  auto tar = MakeSingleFileTar(name, content, 0600);
  ASSERT_THAT(tar, IsOk());
  dir.Write("a.tar", *tar);
  std::string cmd = "cd " + dir.path() + " && tar -xf a.tar && stat -c %a " + name + " > mode";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream extracted(dir.Join(name));
  std::string got((std::istreambuf_iterator<char>(extracted)), {});
  EXPECT_EQ(got, content);
  std::ifstream mode(dir.Join("mode"));
  std::string m;
  mode >> m;
  EXPECT_EQ(m, "600");
}

TEST(TarWriterTest, RefusesBadNamesAndModes) {
  EXPECT_THAT(MakeSingleFileTar("", "x", 0644), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeSingleFileTar("/abs", "x", 0644), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeSingleFileTar("a/../b", "x", 0644), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeSingleFileTar("a//b", "x", 0644), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeSingleFileTar("a", "x", 010000), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeSingleFileTar(std::string(101, 'n'), "x", 0644),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace nxt::docker
