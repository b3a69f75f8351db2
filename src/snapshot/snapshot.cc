// Schema snapshots (snapshot.h): sorting, hashing, serialising and comparing them.
#include "strata/snapshot.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <utility>

#include "core/sha256.h"

namespace strata {
namespace {

bool ObjectLess(const SchemaObject& a, const SchemaObject& b) {
  // std::string compares bytes as unsigned char: the byte order of PostgreSQL's COLLATE "C",
  // which the server-side hash sorts by.
  return std::tie(a.kind, a.name, a.definition) < std::tie(b.kind, b.name, b.definition);
}

void UpdateField(Sha256& sha, std::string_view field) {
  sha.Update(std::to_string(field.size()));
  sha.Update(":");
  sha.Update(field);
}

// Blank runs (newlines included) made one space, trailing blanks and ';' dropped, cut to `max`.
std::string OneLine(std::string_view text, size_t max) {
  std::string out;
  bool blank = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out += ' ';
    blank = false;
    out += c;
  }
  while (!out.empty() && out.back() == ';') out.pop_back();
  if (out.size() > max) {
    out.resize(max);
    out += "...";
  }
  return out;
}

// The objects of a sorted snapshot grouped by (kind, name), definitions joined by newlines.
struct Group {
  const std::string* kind;
  const std::string* name;
  std::string definition;
};

std::vector<Group> GroupByKey(const std::vector<SchemaObject>& sorted) {
  std::vector<Group> groups;
  for (const SchemaObject& o : sorted) {
    if (!groups.empty() && *groups.back().kind == o.kind && *groups.back().name == o.name) {
      groups.back().definition += "\n" + o.definition;
    } else {
      groups.push_back({&o.kind, &o.name, o.definition});
    }
  }
  return groups;
}

}  // namespace

SchemaSnapshot MakeSnapshot(std::string dialect, std::vector<SchemaObject> objects) {
  std::sort(objects.begin(), objects.end(), ObjectLess);
  SchemaSnapshot snapshot;
  snapshot.dialect = std::move(dialect);
  snapshot.hash = SchemaHash(objects);
  snapshot.objects = std::move(objects);
  return snapshot;
}

std::string SchemaHash(const std::vector<SchemaObject>& sorted) {
  Sha256 sha;
  for (const SchemaObject& o : sorted) {
    UpdateField(sha, o.kind);
    UpdateField(sha, o.name);
    UpdateField(sha, o.definition);
    sha.Update("\n");
  }
  std::array<uint8_t, 32> digest = sha.Finish();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (uint8_t b : digest) {
    hex += kHex[b >> 4];
    hex += kHex[b & 0xf];
  }
  return hex;
}

std::string SnapshotJson(const SchemaSnapshot& snapshot) {
  nlohmann::ordered_json objects = nlohmann::ordered_json::array();
  for (const SchemaObject& o : snapshot.objects) {
    objects.push_back({{"kind", o.kind}, {"name", o.name}, {"definition", o.definition}});
  }
  nlohmann::ordered_json doc = {
      {"dialect", snapshot.dialect}, {"hash", snapshot.hash}, {"objects", std::move(objects)}};
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

std::string SnapshotSql(const SchemaSnapshot& snapshot) {
  std::string out = fmt::format(
      "-- strata schema snapshot: {}, {} object{}, sha256 {}\n"
      "-- One definition per object, normalised as the database prints it (docs/verify.md).\n",
      snapshot.dialect, snapshot.objects.size(), snapshot.objects.size() == 1 ? "" : "s",
      snapshot.hash);
  for (const SchemaObject& o : snapshot.objects) {
    std::string_view definition = o.definition;
    while (!definition.empty() &&
           (definition.back() == '\n' || definition.back() == ' ' || definition.back() == ';')) {
      definition.remove_suffix(1);
    }
    out += fmt::format("\n-- {} {}\n{};\n", o.kind, o.name, definition);
  }
  return out;
}

std::vector<ObjectDifference> DiffSnapshots(const SchemaSnapshot& first,
                                            const SchemaSnapshot& second) {
  std::vector<Group> a = GroupByKey(first.objects);
  std::vector<Group> b = GroupByKey(second.objects);
  std::vector<ObjectDifference> out;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    int order = 0;
    if (i == a.size()) {
      order = 1;
    } else if (j == b.size()) {
      order = -1;
    } else {
      auto ka = std::tie(*a[i].kind, *a[i].name);
      auto kb = std::tie(*b[j].kind, *b[j].name);
      order = ka < kb ? -1 : (kb < ka ? 1 : 0);
    }
    if (order < 0) {
      out.push_back({*a[i].kind, *a[i].name, std::move(a[i].definition), std::nullopt});
      ++i;
    } else if (order > 0) {
      out.push_back({*b[j].kind, *b[j].name, std::nullopt, std::move(b[j].definition)});
      ++j;
    } else {
      if (a[i].definition != b[j].definition) {
        out.push_back(
            {*a[i].kind, *a[i].name, std::move(a[i].definition), std::move(b[j].definition)});
      }
      ++i;
      ++j;
    }
  }
  return out;
}

std::string DescribeDifference(const ObjectDifference& d, std::string_view first_label,
                               std::string_view second_label, size_t max_definition) {
  std::string what = d.kind + " " + d.name;
  if (!d.first) {
    return fmt::format("{}: only {}: {}", what, second_label, OneLine(*d.second, max_definition));
  }
  if (!d.second) {
    return fmt::format("{}: only {}: {}", what, first_label, OneLine(*d.first, max_definition));
  }
  return fmt::format("{}: {}: {}; {}: {}", what, first_label, OneLine(*d.first, max_definition),
                     second_label, OneLine(*d.second, max_definition));
}

std::string SnapshotIdentifier(std::string_view name) {
  bool bare = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name[0] != '$';
  for (char c : name) {
    bare = bare && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$');
  }
  if (bare) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace strata
