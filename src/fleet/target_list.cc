// Fleet target lists (fleet.h): a file or stdin of URLs, or a catalog query's rows, and the
// server each target lives on.
#include <fmt/format.h>

#include <cctype>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "strata/fleet.h"
#include "strata/url.h"

namespace strata {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Long lines are cut in messages: a target list may be anything, a binary file included.
std::string Shown(std::string_view url) {
  std::string redacted = RedactUrl(url);
  if (redacted.size() > 120) redacted = redacted.substr(0, 117) + "...";
  for (char& c : redacted) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return redacted;
}

// The value of `key=` in a URL's query string or a libpq keyword string, or empty.
std::string ParamValue(std::string_view params, std::string_view key, char separator) {
  size_t i = 0;
  while (i < params.size()) {
    size_t end = params.find(separator, i);
    if (end == std::string_view::npos) end = params.size();
    std::string_view pair = Trim(params.substr(i, end - i));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && Trim(pair.substr(0, eq)) == key) {
      std::string_view value = Trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
    i = end + 1;
  }
  return "";
}

Result<std::vector<FleetTarget>> Collect(const std::vector<std::pair<int, std::string>>& lines,
                                         std::string_view source, bool rows) {
  std::vector<FleetTarget> out;
  std::vector<Status> problems;
  std::set<std::string> seen;
  for (const auto& [line, url] : lines) {
    std::string where = fmt::format("{}:{}", source, line);
    if (rows) where = fmt::format("{}, row {}", source, line);
    Result<DatabaseUrl> parsed = ParseDatabaseUrl(url);
    if (!parsed.ok()) {
      problems.push_back(
          Status::Usage(fmt::format("{}: '{}' is not a database URL", where, Shown(url)))
              .WithHint("one URL a line: postgresql://user@host:port/db or sqlite:path.db"));
      continue;
    }
    if (!seen.insert(url).second) {
      problems.push_back(Status::Usage(
          fmt::format("{}: {} is listed twice; each database runs once", where, Shown(url))));
      continue;
    }
    FleetTarget t;
    t.url = url;
    t.display = RedactUrl(url);
    t.host = TargetHost(url);
    t.line = line;
    out.push_back(std::move(t));
  }
  if (!problems.empty()) return Combine(problems);
  if (out.empty()) {
    return Status::Usage(fmt::format("{} lists no database URL", source))
        .WithHint("one URL a line; lines starting with '#' are comments");
  }
  return out;
}

}  // namespace

Result<std::vector<FleetTarget>> ParseTargetList(std::string_view text, std::string_view source) {
  std::vector<std::pair<int, std::string>> lines;
  int number = 0;
  size_t i = 0;
  while (i <= text.size()) {
    size_t end = text.find('\n', i);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    std::string_view line = Trim(text.substr(i, end - i));
    if (!line.empty() && line.front() != '#') lines.emplace_back(number, std::string(line));
    if (end == text.size()) break;
    i = end + 1;
  }
  return Collect(lines, source, false);
}

Result<std::vector<FleetTarget>> TargetsFromUrls(const std::vector<std::string>& urls,
                                                 std::string_view source) {
  std::vector<std::pair<int, std::string>> lines;
  for (size_t i = 0; i < urls.size(); ++i) {
    lines.emplace_back(static_cast<int>(i + 1), std::string(Trim(urls[i])));
  }
  return Collect(lines, source, true);
}

std::string TargetHost(const std::string& url) {
  Result<DatabaseUrl> parsed = ParseDatabaseUrl(url);
  if (!parsed.ok() || parsed->kind == DatabaseKind::kSqlite) return "sqlite";
  std::string_view u = url;
  std::string host, port;
  size_t scheme = u.find("://");
  if (scheme == std::string_view::npos) {
    // A libpq keyword string: host=... port=...
    host = ParamValue(u, "host", ' ');
    if (host.empty()) host = ParamValue(u, "hostaddr", ' ');
    port = ParamValue(u, "port", ' ');
  } else {
    size_t start = scheme + 3;
    size_t end = u.find_first_of("/?", start);
    std::string_view authority =
        u.substr(start, end == std::string_view::npos ? u.npos : end - start);
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      authority = authority.substr(at + 1);
    }
    // [v6]:port, host:port, or several hosts (h1:p1,h2:p2): the first one names the server.
    authority = authority.substr(0, authority.find(','));
    if (!authority.empty() && authority.front() == '[') {
      size_t close = authority.find(']');
      host = std::string(
          authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
      if (close != std::string_view::npos && close + 1 < authority.size() &&
          authority[close + 1] == ':') {
        port = std::string(authority.substr(close + 2));
      }
    } else {
      size_t colon = authority.find(':');
      host = std::string(authority.substr(0, colon));
      if (colon != std::string_view::npos) port = std::string(authority.substr(colon + 1));
    }
    size_t query = u.find('?', start);
    if (query != std::string_view::npos) {
      std::string_view params = u.substr(query + 1);
      if (host.empty()) host = ParamValue(params, "host", '&');
      if (port.empty()) port = ParamValue(params, "port", '&');
    }
  }
  if (host.empty()) host = "localhost";
  if (port.empty()) port = "5432";
  return host + ":" + port;
}

Result<std::vector<std::string>> QueryTargetUrls(const std::string& catalog_url,
                                                 const std::string& sql,
                                                 const DriverOptions& options) {
  Result<DatabaseUrl> url = ParseDatabaseUrl(catalog_url);
  if (!url.ok()) return url.status();
  Result<std::unique_ptr<Driver>> driver = OpenDriver(*url, options);
  if (!driver.ok()) return driver.status();
  Result<Driver::Rows> rows = (*driver)->Query(sql);
  if (!rows.ok()) {
    return Status::Error(rows.status().kind(),
                         fmt::format("--targets-query on {}: {}", RedactUrl(catalog_url),
                                     RedactSecrets(rows.status().message(), catalog_url)))
        .WithHint("the query must return one database URL a row in its first column");
  }
  // The first column of each row; NULLs are skipped.
  std::vector<std::string> urls;
  for (const auto& row : *rows) {
    if (!row.empty() && row.front()) urls.push_back(*row.front());
  }
  return urls;
}

}  // namespace strata
