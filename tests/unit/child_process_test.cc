// ChildProcess (src/importer/child_process.h): the pipes to the Alembic bridge.
#include "importer/child_process.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

std::unique_ptr<ChildProcess> Sh(const std::string& script, std::vector<std::string> env = {}) {
  Result<std::unique_ptr<ChildProcess>> child = ChildProcess::Start({"/bin/sh", "-c", script}, env);
  EXPECT_TRUE(child.ok()) << child.status().ToString();
  return std::move(child).value();
}

TEST(ChildProcessTest, ReadsLinesThenTheRestAndTheExitStatus) {
  auto child = Sh("printf 'one\\ntwo\\nrest'; echo oops >&2; exit 3");
  EXPECT_EQ(*child->ReadLine(), "one\n");
  EXPECT_EQ(*child->ReadLine(), "two\n");
  auto [out, code] = *child->Finish();
  EXPECT_EQ(out, "rest");
  EXPECT_EQ(code, 3);
  EXPECT_EQ(child->stderr_text(), "oops\n");
}

TEST(ChildProcessTest, AnswersOneLinePerLineWritten) {
  auto child = Sh("while read -r w; do echo \"got $w\"; done");
  ASSERT_TRUE(child->Write("a\n").ok());
  EXPECT_EQ(*child->ReadLine(), "got a\n");
  ASSERT_TRUE(child->Write("b\n").ok());
  EXPECT_EQ(*child->ReadLine(), "got b\n");
  EXPECT_EQ(child->Finish()->second, 0);
}

TEST(ChildProcessTest, MuchOutputOnStderrDoesNotBlockStdoutAndIsCapped) {
  // 1 MB on stderr before the answer: more than a pipe holds.
  auto child = Sh("head -c 1048576 /dev/zero | tr '\\0' x >&2; echo done");
  EXPECT_EQ(*child->ReadLine(), "done\n");
  EXPECT_EQ(child->Finish()->second, 0);
  EXPECT_LE(child->stderr_text().size(), 32u * 1024);
  EXPECT_GT(child->stderr_text().size(), 0u);
}

TEST(ChildProcessTest, SecretsGoThroughTheEnvironment) {
  auto child = Sh("echo \"$STRATA_TEST_SECRET\"", {"STRATA_TEST_SECRET=s3cret"});
  EXPECT_EQ(*child->ReadLine(), "s3cret\n");
}

TEST(ChildProcessTest, AChildThatHasGoneIsAnErrorNotASignal) {
  auto child = Sh("exit 0");
  EXPECT_FALSE(child->ReadLine().ok());
  // Writing into the closed pipe reports an error instead of killing us with SIGPIPE.
  std::string big(1 << 20, 'x');
  EXPECT_FALSE(child->Write(big).ok());
}

TEST(ChildProcessTest, AProgramThatDoesNotExistIsAUsageError) {
  Result<std::unique_ptr<ChildProcess>> child =
      ChildProcess::Start({"/nonexistent/python3", "-c", "pass"}, {});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.status().kind(), ErrorKind::kUsage);
  EXPECT_NE(child.status().message().find("/nonexistent/python3"), std::string::npos);
}

}  // namespace
}  // namespace strata
