// The tokens file: parsed strictly (every mistake placed at file:line:column), refused when
// others could read or change it, and matched by hash, never by the token itself.
#include "access/token_file.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "access/token_hash.hpp"
#include "test_support.hpp"

namespace chaird::access {
namespace {

using ::testing::HasSubstr;

std::string line_for(const std::string& name, const std::string& role, const std::string& token) {
  return name + " " + role + " sha256:" + sha256_hex(token) + "\n";
}

TEST(TokenHash, IsSha256InLowerCaseHex) {
  // FIPS 180-2's test vector.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokenHash, NewTokensAreLongRandomAndDifferent) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = new_token();
    EXPECT_EQ(token.rfind("chd_", 0), 0u) << token;
    EXPECT_EQ(token.size(), 4u + 64u);
    EXPECT_TRUE(seen.insert(token).second) << "a token came twice";
  }
}

TEST(TokenFile, FindsTheCallerByTheTokensHash) {
  const std::string text = "# who may call this chair\n\n" + line_for("front-desk", "kiosk", "k1") +
                           "  " + line_for("service@maker", "engineer", "e1") +
                           line_for("owner", "admin", "a1");
  auto table = parse_token_file(text, "tokens");
  ASSERT_TRUE(table) << table.error();
  EXPECT_EQ(table->size(), 3u);
  auto kiosk = table->find("k1");
  ASSERT_TRUE(kiosk);
  EXPECT_EQ(kiosk->name, "front-desk");
  EXPECT_EQ(kiosk->role, Role::kKiosk);
  EXPECT_EQ(table->find("e1")->role, Role::kEngineer);
  EXPECT_EQ(table->find("a1")->role, Role::kAdmin);
  EXPECT_FALSE(table->find("k2"));
  EXPECT_FALSE(table->find(""));
  EXPECT_FALSE(table->find(sha256_hex("k1"))) << "the hash is not a token";
  EXPECT_FALSE(table->find(std::string(kMaxTokenBytes + 1, 'k')));
}

TEST(TokenFile, EveryMistakeIsPlacedAtLineAndColumn) {
  const std::string good = line_for("a", "kiosk", "t");
  const auto error_of = [](const std::string& text) {
    auto table = parse_token_file(text, "tokens");
    EXPECT_FALSE(table) << text;
    return table ? std::string() : table.error();
  };
  EXPECT_THAT(error_of(good + "b kiosk\n"), HasSubstr("tokens:2:1: expected three words"));
  EXPECT_THAT(error_of(good + "b  chef sha256:" + sha256_hex("u") + "\n"),
              HasSubstr("tokens:2:4: expected a role, kiosk, engineer or admin, found 'chef'"));
  EXPECT_THAT(error_of(good + "b kiosk u\n"), HasSubstr("tokens:2:9: expected the token's hash"));
  EXPECT_THAT(error_of(good + "b kiosk sha256:" + sha256_hex("u").substr(1) + "\n"),
              HasSubstr("tokens:2:9: expected the token's hash"));
  EXPECT_THAT(error_of("b/c kiosk sha256:" + sha256_hex("u") + "\n"),
              HasSubstr("tokens:1:1: expected a name"));
  EXPECT_THAT(error_of(good + line_for("a", "admin", "u")), HasSubstr("tokens:2:1: the name 'a'"));
  EXPECT_THAT(error_of(good + line_for("b", "admin", "t")),
              HasSubstr("tokens:2:9: this hash is listed twice"));
  EXPECT_THAT(error_of(std::string("a kiosk \xff\n")), HasSubstr("is not UTF-8"));
  // A token pasted where a name or role goes is not echoed into the log.
  const std::string token = new_token();
  const std::string pasted = error_of(token + " kiosk sha256:" + sha256_hex("u") + "\n");
  EXPECT_THAT(pasted, HasSubstr("tokens:1:1: expected a name"));
  EXPECT_THAT(pasted, ::testing::Not(HasSubstr(token.substr(4, 16))));
  const std::string as_role = error_of("a " + token + " sha256:" + sha256_hex("u") + "\n");
  EXPECT_THAT(as_role, HasSubstr("tokens:1:3: expected a role"));
  EXPECT_THAT(as_role, ::testing::Not(HasSubstr(token.substr(4, 16))));
  auto empty = parse_token_file("# nobody yet\n", "tokens");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size(), 0u);
}

class TokenFileOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::make_temp_dir("tokens");
    path_ = dir_ + "/tokens";
    std::ofstream(path_) << line_for("front-desk", "kiosk", "k1");
  }
  std::string dir_;
  std::string path_;
};

TEST_F(TokenFileOnDisk, APrivateFileIsRead) {
  for (mode_t mode : {0600, 0640, 0400}) {
    ASSERT_EQ(chmod(path_.c_str(), mode), 0);
    auto table = load_token_file(path_);
    ASSERT_TRUE(table) << table.error();
    EXPECT_TRUE(table->find("k1"));
  }
}

TEST_F(TokenFileOnDisk, AFileOthersCouldChangeOrReadIsRefused) {
  for (mode_t mode : {0644, 0660, 0602, 0604, 0666}) {
    ASSERT_EQ(chmod(path_.c_str(), mode), 0);
    auto table = load_token_file(path_);
    ASSERT_FALSE(table) << std::oct << mode;
    EXPECT_THAT(table.error(), HasSubstr("lets other users read or change it"));
    EXPECT_THAT(table.error(), HasSubstr(path_));
  }
}

// The TLS key is a secret: no group may read it (the socket's group holds kiosks), and a second
// name for it (a hard link) elsewhere is refused too.
TEST_F(TokenFileOnDisk, AKeyIsReadableByItsOwnerAlone) {
  ASSERT_EQ(chmod(path_.c_str(), 0600), 0);
  EXPECT_TRUE(read_private_file(path_, PrivateFile::kSecret));
  ASSERT_EQ(chmod(path_.c_str(), 0640), 0);
  auto group = read_private_file(path_, PrivateFile::kSecret);
  ASSERT_FALSE(group);
  EXPECT_THAT(group.error(), HasSubstr("mode 0640"));
  EXPECT_TRUE(read_private_file(path_, PrivateFile::kGroupMayRead)) << "hashes: the group may";
  ASSERT_EQ(chmod(path_.c_str(), 0600), 0);
  ASSERT_EQ(link(path_.c_str(), (dir_ + "/second-name").c_str()), 0);
  auto linked = read_private_file(path_, PrivateFile::kSecret);
  ASSERT_FALSE(linked);
  EXPECT_THAT(linked.error(), HasSubstr("has 2 names"));
}

TEST_F(TokenFileOnDisk, ASymbolicLinkMissingFileOrDirectoryIsRefused) {
  ASSERT_EQ(chmod(path_.c_str(), 0600), 0);
  const std::string link = dir_ + "/link";
  std::filesystem::create_symlink(path_, link);
  EXPECT_FALSE(load_token_file(link));
  auto missing = load_token_file(dir_ + "/missing");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error(), HasSubstr("cannot be opened"));
  EXPECT_FALSE(load_token_file(dir_));
}

TEST_F(TokenFileOnDisk, AFileOfAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to give the file away";
  ASSERT_EQ(chmod(path_.c_str(), 0600), 0);
  ASSERT_EQ(chown(path_.c_str(), 65534, 65534), 0);
  auto table = load_token_file(path_);
  ASSERT_FALSE(table);
  EXPECT_THAT(table.error(), HasSubstr("belongs to uid 65534"));
}

}  // namespace
}  // namespace chaird::access
