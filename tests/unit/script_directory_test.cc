// The migrations folder: loading every file into a graph, writing new revision files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "strata/script.h"

namespace strata {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ScriptDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/strata-script-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  fs::path dir_;
};

TEST_F(ScriptDirectoryTest, WriteThenLoadRoundTrips) {
  NewRevision a;
  a.message = "Create users!";
  a.rev_id = "aaaa0001";
  a.upgrade_sql = "CREATE TABLE users (id int);\n";
  a.downgrade_sql = "DROP TABLE users;\n";
  Result<WrittenRevision> wa = WriteRevisionFile(dir_, a);
  ASSERT_TRUE(wa.ok()) << wa.status().ToString();
  EXPECT_EQ(wa->id, "aaaa0001");
  EXPECT_EQ(wa->path, dir_ / "aaaa0001_create_users.sql");

  NewRevision b;
  b.message = "second";
  b.parents = {"aaaa0001"};
  b.branch_labels = {"lbl"};
  b.transactional = false;
  Result<WrittenRevision> wb = WriteRevisionFile(dir_, b);
  ASSERT_TRUE(wb.ok());
  EXPECT_EQ(wb->id.size(), 12u);

  Result<RevisionGraph> g = LoadScriptDirectory(dir_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->size(), 2u);
  const Revision* ra = g->Find("aaaa0001");
  ASSERT_NE(ra, nullptr);
  EXPECT_EQ(ra->message, "Create users!");
  EXPECT_THAT(ra->upgrade.sql, HasSubstr("CREATE TABLE users"));
  ASSERT_TRUE(ra->downgrade.has_value());
  const Revision* rb = g->Find(wb->id);
  ASSERT_NE(rb, nullptr);
  EXPECT_EQ(rb->parents, std::vector<std::string>{"aaaa0001"});
  EXPECT_EQ(rb->branch_labels, std::vector<std::string>{"lbl"});
  EXPECT_FALSE(rb->transactional);
  // No temp files are left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) files += e.path().extension() == ".sql";
  EXPECT_EQ(files, 2);
}

TEST_F(ScriptDirectoryTest, RefusesToOverwrite) {
  NewRevision a;
  a.message = "x";
  a.rev_id = "aaaa0001";
  ASSERT_TRUE(WriteRevisionFile(dir_, a).ok());
  Result<WrittenRevision> again = WriteRevisionFile(dir_, a);
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.status().ToString(), HasSubstr("already exists"));
  a.rev_id = "bad id!";
  EXPECT_EQ(WriteRevisionFile(dir_, a).status().kind(), ErrorKind::kUsage);
}

TEST_F(ScriptDirectoryTest, IgnoresNonSqlAndHiddenFiles) {
  Write("aaaa0001_a.sql", "-- a\n-- Revision ID: aaaa0001\n-- migrate:upgrade\nSELECT 1;\n");
  Write("README.md", "not a revision");
  Write(".aaaa0002_tmp.sql", "garbage");
  Result<RevisionGraph> g = LoadScriptDirectory(dir_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->size(), 1u);
}

TEST_F(ScriptDirectoryTest, ReportsEveryBadFileAtOnce) {
  Write("a.sql", "-- a\n-- Revision ID: bad id\n-- migrate:upgrade\n");
  Write("b.sql", "-- b\n-- Revision ID: bbbb0001\n");
  Result<RevisionGraph> g = LoadScriptDirectory(dir_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().kind(), ErrorKind::kInvalidScripts);
  EXPECT_THAT(g.status().message(), HasSubstr("a.sql"));
  EXPECT_THAT(g.status().message(), HasSubstr("b.sql"));
}

TEST_F(ScriptDirectoryTest, MissingFolderSaysRunInit) {
  Result<RevisionGraph> g = LoadScriptDirectory(dir_ / "nope");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().kind(), ErrorKind::kInvalidScripts);
  EXPECT_THAT(g.status().ToString(), HasSubstr("strata init"));
}

// Files are read in 16 KiB chunks into a buffer reused from file to file: a file of exactly one
// chunk, one of several chunks, and a short one after them must each come back whole.
TEST_F(ScriptDirectoryTest, ReadsFilesOfEverySizeWhole) {
  const std::string head = "-- m\n-- Revision ID: ";
  auto file_of_size = [&](const std::string& id, const std::string& parent, size_t size) {
    std::string text = head + id + "\n-- Revises: " + parent + "\n-- migrate:upgrade\n";
    const std::string tail = "SELECT 1;\n";
    text.append(size - text.size() - tail.size(), ' ');
    return text + tail;
  };
  const std::string exact = file_of_size("aaaa0001", "", 16384);
  const std::string large = file_of_size("aaaa0002", "aaaa0001", 100000);
  ASSERT_EQ(exact.size(), 16384u);
  Write("1.sql", exact);
  Write("2.sql", large);
  Write("3.sql", "-- s\n-- Revision ID: aaaa0003\n-- Revises: aaaa0002\n-- migrate:upgrade\nX;\n");
  Result<RevisionGraph> g = LoadScriptDirectory(dir_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  // The section is everything after the marker line, its final newline dropped.
  auto body = [](const std::string& text) {
    size_t start = text.find("upgrade\n") + 8;
    return text.substr(start, text.size() - start - 1);
  };
  EXPECT_EQ(g->Find("aaaa0001")->upgrade.sql, body(exact));
  EXPECT_EQ(g->Find("aaaa0002")->upgrade.sql, body(large));
  EXPECT_EQ(g->Find("aaaa0003")->upgrade.sql, "X;");
}

// A file that is not text in the folder is reported once, naming it and the line of its first
// NUL byte; a revision of several MB (read at its exact size and handed over to its section)
// comes back whole.
TEST_F(ScriptDirectoryTest, BinaryFileIsOneProblemAndLargeFilesLoadWhole) {
  std::string upgrade;
  for (int i = 0; i < 200000; ++i) upgrade += "INSERT INTO t VALUES (" + std::to_string(i) + ");\n";
  upgrade.pop_back();
  Write("aaaa0001_big.sql", "-- big\n-- Revision ID: aaaa0001\n-- migrate:upgrade\n" + upgrade +
                                "\n-- migrate:downgrade\nDELETE FROM t;\n");
  Result<RevisionGraph> g = LoadScriptDirectory(dir_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->Find("aaaa0001")->upgrade.sql, upgrade);
  EXPECT_EQ(g->Find("aaaa0001")->downgrade->sql, "DELETE FROM t;");

  std::string noise;
  unsigned state = 12345;
  for (int i = 0; i < 20000; ++i) {
    state = state * 1103515245u + 12345u;
    noise += static_cast<char>((state >> 16) & 0xFF);
  }
  Write("aaaa0002_noise.sql", "-- pasted\n" + noise);
  g = LoadScriptDirectory(dir_);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().kind(), ErrorKind::kInvalidScripts);
  const std::string text = g.status().ToString();
  EXPECT_THAT(text, HasSubstr("aaaa0002_noise.sql:"));
  EXPECT_THAT(text, HasSubstr("not a text file"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("SQL before the first section marker")));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("problems")));
}

// A file larger than max_revision_size is refused before it is read whole, naming its size, the
// limit and the setting that raises it; at the limit it is read.
TEST_F(ScriptDirectoryTest, FilesAboveMaxRevisionSizeAreRefusedNamingTheSetting) {
  std::string text = "-- m\n-- Revision ID: aaaa0001\n-- migrate:upgrade\n";
  text.append((size_t{3} << 19) - text.size(), ' ');  // 1.5 MB
  Write("aaaa0001_big.sql", text);
  Result<RevisionGraph> g = LoadScriptDirectory(dir_, uint64_t{1} << 20);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().kind(), ErrorKind::kInvalidScripts);
  EXPECT_EQ(g.status().file(), (dir_ / "aaaa0001_big.sql").string());
  EXPECT_THAT(g.status().message(), HasSubstr("the file is 1.5 MB, larger than "
                                              "max_revision_size (1.0 MB)"));
  EXPECT_THAT(g.status().hint(), HasSubstr("max_revision_size = \"256MB\""));
  EXPECT_TRUE(LoadScriptDirectory(dir_, text.size()).ok());

  Result<Revision> one = ReadRevisionFile(dir_ / "aaaa0001_big.sql", uint64_t{1} << 20);
  ASSERT_FALSE(one.ok());
  EXPECT_THAT(one.status().message(), HasSubstr("max_revision_size"));
  EXPECT_TRUE(ReadRevisionFile(dir_ / "aaaa0001_big.sql").ok());
}

// Large folders are read by two threads, each filling its own half: every revision must arrive,
// and problems from both halves must be reported in file order.
TEST_F(ScriptDirectoryTest, LargeFoldersLoadWholeAndReportProblemsInOrder) {
  constexpr int kCount = 600;
  auto id = [](int i) { return "r" + std::to_string(10000 + i); };
  for (int i = 0; i < kCount; ++i) {
    Write(id(i) + ".sql", "-- m\n-- Revision ID: " + id(i) +
                              "\n-- Revises: " + (i == 0 ? "" : id(i - 1)) +
                              "\n-- migrate:upgrade\nSELECT " + std::to_string(i) + ";\n");
  }
  Result<RevisionGraph> g = LoadScriptDirectory(dir_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->size(), static_cast<size_t>(kCount));
  EXPECT_EQ(g->Find(id(599))->upgrade.sql, "SELECT 599;");
  EXPECT_EQ(g->Find(id(300))->parents, std::vector<std::string>{id(299)});

  Write(id(10) + ".sql", "-- broken\n");   // first half
  Write(id(590) + ".sql", "-- broken\n");  // second half
  g = LoadScriptDirectory(dir_);
  ASSERT_FALSE(g.ok());
  const std::string message = g.status().message();
  size_t first = message.find(id(10) + ".sql");
  size_t second = message.find(id(590) + ".sql");
  ASSERT_NE(first, std::string::npos) << message;
  ASSERT_NE(second, std::string::npos) << message;
  EXPECT_LT(first, second);
}

TEST(SlugifyTest, Cases) {
  struct {
    const char* in;
    const char* out;
  } cases[] = {{"Add email column", "add_email_column"},
               {"  leading and trailing!! ", "leading_and_trailing"},
               {"ünïcode & symbols", "n_code_symbols"},
               {"", ""},
               {"a-very-long-message-that-goes-on-and-on-past-forty-characters",
                "a_very_long_message_that_goes_on_and_on"}};
  for (const auto& c : cases) EXPECT_EQ(Slugify(c.in), c.out) << c.in;
}

}  // namespace
}  // namespace strata
