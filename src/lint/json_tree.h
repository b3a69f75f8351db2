// Reading libpg_query's JSON parse trees: small accessors that return empty values for missing
// or mistyped keys, so rules never throw on a node shape they did not expect.
#ifndef STRATA_LINT_JSON_TREE_H_
#define STRATA_LINT_JSON_TREE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::lint {

using Json = nlohmann::json;

inline const Json* Get(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

inline std::string Str(const Json& j, const char* key) {
  const Json* v = Get(j, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

inline bool Bool(const Json& j, const char* key) {
  const Json* v = Get(j, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

inline long Int(const Json& j, const char* key, long fallback = 0) {
  const Json* v = Get(j, key);
  return v != nullptr && v->is_number_integer() ? v->get<long>() : fallback;
}

inline const Json& Arr(const Json& j, const char* key) {
  static const Json empty = Json::array();
  const Json* v = Get(j, key);
  return v != nullptr && v->is_array() ? *v : empty;
}

// The single key of a node such as {"AlterTableStmt": {...}}.
inline std::pair<std::string_view, const Json*> NodeOf(const Json& node) {
  if (!node.is_object() || node.empty()) return {{}, nullptr};
  auto it = node.begin();
  return {it.key(), &it.value()};
}

// ["a", "b"] out of [{"String":{"sval":"a"}}, {"String":{"sval":"b"}}].
inline std::vector<std::string> Names(const Json& list) {
  std::vector<std::string> out;
  for (const Json& item : list) {
    if (const Json* s = Get(item, "String")) out.push_back(Str(*s, "sval"));
  }
  return out;
}

// "users" for public.users and users; "audit.users" otherwise.
inline std::string QualifiedKey(const std::string& schema, const std::string& name) {
  return schema.empty() || schema == "public" ? name : schema + "." + name;
}

inline std::string RangeVarKey(const Json& rv) {
  return QualifiedKey(Str(rv, "schemaname"), Str(rv, "relname"));
}

inline std::string NamesKey(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  return QualifiedKey(names.size() >= 2 ? names[names.size() - 2] : "", names.back());
}

// The integer value of an A_Const ({"A_Const": {"ival": {"ival": 3}}}), or `fallback`.
inline long ConstInt(const Json& node, long fallback) {
  const Json* c = Get(node, "A_Const");
  const Json* ival = c != nullptr ? Get(*c, "ival") : nullptr;
  if (ival == nullptr) return fallback;
  return Int(*ival, "ival", 0);  // PostgreSQL 15's JSON leaves out a zero ival
}

}  // namespace strata::lint

#endif  // STRATA_LINT_JSON_TREE_H_
