// Database URL parsing and password redaction (url.h, DESIGN §1).
//
// Redaction errs on the side of hiding too much: a message with a little too much masked is
// harmless, a printed password is not. So the password of a URL runs to the *last* '@' before
// the query string (people type unencoded '@' and '/' in passwords), and every `...password=`
// key is masked whether it sits in a query string or a libpq keyword string.
#include "strata/url.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata {
namespace {

constexpr std::string_view kMask = "***";

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// libpq keyword strings look like `host=db dbname=app`: a first token of [a-z_] followed by
// optional blanks and '='. URLs never do (their first token ends in ':').
bool LooksLikeKeywordString(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (std::islower(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
  if (i == 0) return false;
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i < s.size() && s[i] == '=';
}

// Where the userinfo of `scheme://userinfo@host...` ends (the '@'), or npos.
// Conservative: the last '@' before the query string.
size_t UserinfoEnd(std::string_view url, size_t authority_start) {
  size_t query = url.find('?', authority_start);
  std::string_view head = url.substr(0, query);
  size_t at = head.rfind('@');
  if (at == std::string_view::npos || at < authority_start) return std::string_view::npos;
  return at;
}

// One secret found in a URL: the byte range of its value.
struct SecretSpan {
  size_t begin;
  size_t end;  // exclusive
};

bool IsPasswordKey(std::string_view key) {
  // password, sslpassword: anything whose name ends in "password".
  constexpr std::string_view kSuffix = "password";
  if (key.size() < kSuffix.size()) return false;
  return StartsWithNoCase(key.substr(key.size() - kSuffix.size()), kSuffix);
}

// Finds the value spans of `...password=value` pairs. In a URL query values end at '&' or '#';
// in a keyword string at a blank, and may be single-quoted with backslash escapes.
void FindKeyValueSecrets(std::string_view s, size_t from, bool url_mode,
                         std::vector<SecretSpan>* out) {
  size_t i = from;
  while (i < s.size()) {
    // Start of a key: beginning, or after a separator.
    size_t key_start = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    std::string_view key = s.substr(key_start, i - key_start);
    size_t j = i;
    while (!url_mode && j < s.size() && IsSpace(s[j])) ++j;
    if (j < s.size() && s[j] == '=') {
      ++j;
      while (!url_mode && j < s.size() && IsSpace(s[j])) ++j;
      size_t value_start = j;
      if (!url_mode && j < s.size() && s[j] == '\'') {
        ++j;
        while (j < s.size() && s[j] != '\'') j += (s[j] == '\\' && j + 1 < s.size()) ? 2 : 1;
        if (j < s.size()) ++j;  // closing quote
      } else if (url_mode) {
        while (j < s.size() && s[j] != '&' && s[j] != '#') ++j;
      } else {
        while (j < s.size() && !IsSpace(s[j])) ++j;
      }
      if (!key.empty() && IsPasswordKey(key) && j > value_start) {
        out->push_back({value_start, j});
      }
      i = j;
    }
    // Skip to the next separator.
    while (i < s.size() && !(url_mode ? (s[i] == '&' || s[i] == '?') : IsSpace(s[i]))) ++i;
    if (i < s.size()) ++i;
  }
}

// Every password value in `url`, in order, as byte spans.
std::vector<SecretSpan> FindSecrets(std::string_view url) {
  std::vector<SecretSpan> spans;
  size_t scheme_end = url.find("://");
  bool is_url = scheme_end != std::string_view::npos && !LooksLikeKeywordString(url);
  if (is_url) {
    size_t authority = scheme_end + 3;
    size_t at = UserinfoEnd(url, authority);
    if (at != std::string_view::npos) {
      size_t colon = url.find(':', authority);
      if (colon != std::string_view::npos && colon < at && colon + 1 < at) {
        spans.push_back({colon + 1, at});
      }
    }
    size_t query = url.find('?', authority);
    if (query != std::string_view::npos) FindKeyValueSecrets(url, query + 1, true, &spans);
  } else {
    FindKeyValueSecrets(url, 0, false, &spans);
  }
  return spans;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Unquotes a libpq keyword value ('...' with backslash escapes).
std::string Unquote(std::string_view v) {
  if (v.size() < 2 || v.front() != '\'') return std::string(v);
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

void ReplaceAll(std::string* text, std::string_view needle, std::string_view with) {
  if (needle.empty()) return;
  size_t pos = 0;
  while ((pos = text->find(needle, pos)) != std::string::npos) {
    text->replace(pos, needle.size(), with);
    pos += with.size();
  }
}

Status BadUrl(std::string_view url, std::string_view why) {
  return Status::Usage("unsupported database URL '" + RedactUrl(url) + "': " + std::string(why))
      .WithHint(
          "use postgresql://user:pass@host:port/db, sqlite:relative.db, "
          "sqlite:///absolute/path.db or sqlite::memory:");
}

// The part after `sqlite:` (or `sqlite+driver:`), as Alembic/SQLAlchemy users write it.
Result<std::string> SqlitePath(std::string_view url, std::string_view rest) {
  if (rest == ":memory:" || rest == "//" || rest == "///:memory:") return std::string(":memory:");
  if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
    if (rest.empty()) return std::string(":memory:");  // SQLAlchemy's `sqlite://`
    if (rest.front() != '/') {
      return BadUrl(url, "a sqlite URL has no host; write sqlite:relative.db or sqlite:///abs.db");
    }
    // sqlite:///abs.db (DESIGN §1) and sqlite:////abs.db (SQLAlchemy's absolute form) both
    // mean /abs.db: the path starts at the last of the leading slashes. (Taken as one slice
    // rather than "/" + rest, which GCC 12 at -O3 misreads as an overlapping copy, -Wrestrict.)
    size_t slashes = rest.find_first_not_of('/');
    if (slashes == std::string_view::npos) return BadUrl(url, "the sqlite path is empty");
    return std::string(rest.substr(slashes - 1));
  }
  if (rest.empty()) return BadUrl(url, "the sqlite path is empty");
  return std::string(rest);
}

}  // namespace

Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url) {
  std::string_view s = Trim(url);
  if (s.empty()) return BadUrl(url, "the URL is empty");
  DatabaseUrl out;
  out.original = std::string(s);
  if (StartsWithNoCase(s, "postgresql://") || StartsWithNoCase(s, "postgres://")) {
    out.kind = DatabaseKind::kPostgres;
    return out;
  }
  if (StartsWithNoCase(s, "postgresql+") || StartsWithNoCase(s, "postgres+")) {
    // SQLAlchemy's dialect+driver form (alembic.ini): libpq does not understand it.
    return BadUrl(url, "SQLAlchemy driver suffixes such as +psycopg2 are not understood by libpq")
        .WithHint("drop the '+driver' part: postgresql://...");
  }
  if (LooksLikeKeywordString(s)) {
    out.kind = DatabaseKind::kPostgres;
    return out;
  }
  for (std::string_view scheme : {"sqlite:", "sqlite3:"}) {
    if (StartsWithNoCase(s, scheme)) {
      Result<std::string> path = SqlitePath(url, s.substr(scheme.size()));
      if (!path.ok()) return path.status();
      out.kind = DatabaseKind::kSqlite;
      out.sqlite_path = std::move(path).value();
      return out;
    }
  }
  if (StartsWithNoCase(s, "sqlite+")) {  // sqlite+pysqlite:///x.db
    size_t colon = s.find(':');
    if (colon != std::string_view::npos) {
      Result<std::string> path = SqlitePath(url, s.substr(colon + 1));
      if (!path.ok()) return path.status();
      out.kind = DatabaseKind::kSqlite;
      out.sqlite_path = std::move(path).value();
      return out;
    }
  }
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return BadUrl(url, "no scheme");
  return BadUrl(url, "unknown scheme '" + std::string(s.substr(0, colon)) + "'");
}

std::string RedactUrl(std::string_view url) {
  std::vector<SecretSpan> spans = FindSecrets(url);
  std::string out;
  out.reserve(url.size());
  size_t pos = 0;
  for (const SecretSpan& span : spans) {
    if (span.begin < pos) continue;
    out.append(url.substr(pos, span.begin - pos));
    out.append(kMask);
    pos = span.end;
  }
  out.append(url.substr(pos));
  return out;
}

std::string RedactSecrets(std::string_view text, std::string_view url) {
  std::string out(text);
  std::vector<std::string> secrets;
  for (const SecretSpan& span : FindSecrets(url)) {
    std::string_view raw = url.substr(span.begin, span.end - span.begin);
    secrets.emplace_back(raw);
    secrets.push_back(PercentDecode(raw));
    secrets.push_back(Unquote(raw));
  }
  // Longest first, so a password that contains another one is masked whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const std::string& secret : secrets) ReplaceAll(&out, secret, kMask);
  return out;
}

UrlWithoutPassword SplitPassword(std::string_view url) {
  UrlWithoutPassword out;
  size_t scheme_end = url.find("://");
  bool is_url = scheme_end != std::string_view::npos && !LooksLikeKeywordString(url);
  // Spans to cut out of the URL (a password and what introduces it), latest first.
  std::vector<SecretSpan> cuts;
  for (const SecretSpan& span : FindSecrets(url)) {
    std::string_view value = url.substr(span.begin, span.end - span.begin);
    if (span.begin > 0 && url[span.begin - 1] == ':') {  // user:password@host
      out.password = PercentDecode(value);
      cuts.push_back({span.begin - 1, span.end});
      continue;
    }
    // key=value: only the key `password` itself.
    size_t eq = url.rfind('=', span.begin);
    size_t key_end = eq;
    while (key_end > 0 && IsSpace(url[key_end - 1])) --key_end;
    size_t key_start = key_end;
    while (key_start > 0 && (std::isalnum(static_cast<unsigned char>(url[key_start - 1])) ||
                             url[key_start - 1] == '_')) {
      --key_start;
    }
    std::string_view key = url.substr(key_start, key_end - key_start);
    if (key.size() != 8 || !StartsWithNoCase(key, "password")) continue;
    out.password = is_url ? PercentDecode(value) : Unquote(value);
    size_t end = span.end;
    if (is_url && end < url.size() && url[end] == '&') {
      ++end;  // "password=x&next=y" -> "next=y"
    } else if (is_url && key_start > 0 && url[key_start - 1] == '&') {
      --key_start;  // "a=b&password=x" -> "a=b"
    }
    cuts.push_back({key_start, end});
  }
  std::sort(cuts.begin(), cuts.end(),
            [](const SecretSpan& a, const SecretSpan& b) { return a.begin < b.begin; });
  size_t pos = 0;
  for (const SecretSpan& cut : cuts) {
    if (cut.begin < pos) continue;
    out.url.append(url.substr(pos, cut.begin - pos));
    pos = cut.end;
  }
  out.url.append(url.substr(pos));
  // A query string left empty ("...db?") is harmless to libpq but looks odd in messages.
  if (is_url && !out.url.empty() && out.url.back() == '?') out.url.pop_back();
  return out;
}

}  // namespace strata
