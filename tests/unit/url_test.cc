// Table-driven tests for database URL parsing and redaction (url.h).
#include "strata/url.h"

#include <gtest/gtest.h>

#include <string>

namespace strata {
namespace {

TEST(ParseDatabaseUrl, AcceptedForms) {
  struct Case {
    const char* url;
    DatabaseKind kind;
    const char* sqlite_path;
  };
  const Case cases[] = {
      {"sqlite:strata.db", DatabaseKind::kSqlite, "strata.db"},
      {"sqlite:relative/path.db", DatabaseKind::kSqlite, "relative/path.db"},
      {"sqlite:///absolute/path.db", DatabaseKind::kSqlite, "/absolute/path.db"},
      {"sqlite:////absolute/path.db", DatabaseKind::kSqlite, "/absolute/path.db"},
      {"sqlite:/absolute/path.db", DatabaseKind::kSqlite, "/absolute/path.db"},
      {"sqlite::memory:", DatabaseKind::kSqlite, ":memory:"},
      {"sqlite://", DatabaseKind::kSqlite, ":memory:"},
      {"sqlite:///:memory:", DatabaseKind::kSqlite, ":memory:"},
      {"SQLite:x.db", DatabaseKind::kSqlite, "x.db"},
      {"sqlite3:x.db", DatabaseKind::kSqlite, "x.db"},
      {"sqlite+pysqlite:////tmp/x.db", DatabaseKind::kSqlite, "/tmp/x.db"},
      {"  sqlite:padded.db  ", DatabaseKind::kSqlite, "padded.db"},
      {"postgresql://bob:secret@db:5432/app?sslmode=require", DatabaseKind::kPostgres, ""},
      {"postgres://db/app", DatabaseKind::kPostgres, ""},
      {"POSTGRESQL://db/app", DatabaseKind::kPostgres, ""},
      {"host=db password=secret dbname=app", DatabaseKind::kPostgres, ""},
      {"dbname=app", DatabaseKind::kPostgres, ""},
      {"host = db port=5433", DatabaseKind::kPostgres, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    Result<DatabaseUrl> url = ParseDatabaseUrl(c.url);
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    EXPECT_EQ(url->kind, c.kind);
    EXPECT_EQ(url->sqlite_path, c.sqlite_path);
  }
}

TEST(ParseDatabaseUrl, PostgresUrlsArePassedThroughVerbatim) {
  Result<DatabaseUrl> url = ParseDatabaseUrl("postgresql://bob:s3@db/app?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->original, "postgresql://bob:s3@db/app?x=1");
}

TEST(ParseDatabaseUrl, Errors) {
  struct Case {
    const char* url;
    const char* message_contains;
  };
  const Case errors[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"sqlite:", "path is empty"},
      {"sqlite:///", "path is empty"},
      {"sqlite://host/x.db", "no host"},
      {"mysql://bob:hunter2@db/app", "unknown scheme 'mysql'"},
      {"postgresql+psycopg2://bob:hunter2@db/app", "+psycopg2"},
      {"just-a-file.db", "no scheme"},
  };
  for (const Case& c : errors) {
    SCOPED_TRACE(c.url);
    Result<DatabaseUrl> url = ParseDatabaseUrl(c.url);
    ASSERT_FALSE(url.ok());
    EXPECT_EQ(url.status().kind(), ErrorKind::kUsage);
    EXPECT_NE(url.status().message().find(c.message_contains), std::string::npos)
        << url.status().message();
    EXPECT_EQ(url.status().ToString().find("hunter2"), std::string::npos)
        << "password leaked: " << url.status().ToString();
  }
}

TEST(RedactUrl, MasksPasswords) {
  struct Case {
    const char* url;
    const char* redacted;
  };
  const Case cases[] = {
      {"postgresql://bob:secret@db/app", "postgresql://bob:***@db/app"},
      {"postgres://bob:secret@db:5432/app?sslmode=require",
       "postgres://bob:***@db:5432/app?sslmode=require"},
      {"postgresql://bob@db/app", "postgresql://bob@db/app"},
      {"postgresql://db/app", "postgresql://db/app"},
      {"postgresql://bob:@db/app", "postgresql://bob:@db/app"},
      // Unencoded '@' and '/' in the password: mask up to the last '@'.
      {"postgresql://bob:p@ss/w@db/app", "postgresql://bob:***@db/app"},
      {"postgresql://bob:p%40ss@db/app", "postgresql://bob:***@db/app"},
      {"postgresql://db/app?user=bob&password=secret&sslmode=require",
       "postgresql://db/app?user=bob&password=***&sslmode=require"},
      {"postgresql://db/app?password=secret", "postgresql://db/app?password=***"},
      {"postgresql://db/app?sslpassword=k&PASSWORD=s",
       "postgresql://db/app?sslpassword=***&PASSWORD=***"},
      {"postgresql://db/app?x=a@b", "postgresql://db/app?x=a@b"},
      {"host=db password=secret dbname=app", "host=db password=*** dbname=app"},
      {"host=db password = secret dbname=app", "host=db password = *** dbname=app"},
      {"host=db password='se cret\\' x' dbname=app", "host=db password=*** dbname=app"},
      {"password=secret", "password=***"},
      {"host=db dbname='my password=x'", "host=db dbname='my password=x'"},
      {"sqlite:///tmp/x.db", "sqlite:///tmp/x.db"},
      {"sqlite::memory:", "sqlite::memory:"},
      {"", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    EXPECT_EQ(RedactUrl(c.url), c.redacted);
  }
}

TEST(RedactSecrets, MasksEveryOccurrenceOfThePassword) {
  struct Case {
    const char* text;
    const char* url;
    const char* redacted;
  };
  const Case cases[] = {
      {"password authentication failed for 'hunter2'", "postgresql://bob:hunter2@db/app",
       "password authentication failed for '***'"},
      {"bad: p@ss and p%40ss", "postgresql://bob:p%40ss@db/app", "bad: *** and ***"},
      {"keyword hunter2 twice hunter2", "host=db password=hunter2", "keyword *** twice ***"},
      {"quoted se cret", "host=db password='se cret'", "quoted ***"},
      {"query q1w2 here", "postgresql://db/app?password=q1w2", "query *** here"},
      {"nothing to hide", "postgresql://bob@db/app", "nothing to hide"},
      {"nothing to hide", "sqlite:x.db", "nothing to hide"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(RedactSecrets(c.text, c.url), c.redacted);
  }
}

}  // namespace
}  // namespace strata

namespace strata {
namespace {

TEST(SplitPasswordTest, TakesOnlyTheLoginPasswordOut) {
  struct Case {
    const char* url;
    const char* without;
    const char* password;
  } cases[] = {
      {"postgresql://bob:s%40cret@db:5432/app", "postgresql://bob@db:5432/app", "s@cret"},
      {"postgresql://bob@db/app", "postgresql://bob@db/app", ""},
      {"postgresql://bob@db/app?password=pw&sslmode=require",
       "postgresql://bob@db/app?sslmode=require", "pw"},
      {"postgresql://bob@db/app?sslmode=require&password=pw",
       "postgresql://bob@db/app?sslmode=require", "pw"},
      {"postgresql://bob@db/app?password=pw", "postgresql://bob@db/app", "pw"},
      {"host=db user=bob password='a b' dbname=app", "host=db user=bob  dbname=app", "a b"},
  };
  for (const Case& c : cases) {
    UrlWithoutPassword split = SplitPassword(c.url);
    EXPECT_EQ(split.url, c.without) << c.url;
    EXPECT_EQ(split.password, c.password) << c.url;
  }
}

}  // namespace
}  // namespace strata
