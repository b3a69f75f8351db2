// Reading parse trees (pgtree/node.h, in the shape of libpg_query's JSON): small accessors that
// return empty values for missing or mistyped keys, so rules never fail on a node shape they did
// not expect.
#ifndef STRATA_LINT_TREE_H_
#define STRATA_LINT_TREE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgtree/node.h"

namespace strata::lint {

using Node = pgtree::Node;

inline const Node* Get(const Node& j, const char* key) { return j.Find(key); }

inline std::string Str(const Node& j, const char* key) {
  const Node* v = Get(j, key);
  return v != nullptr ? std::string(v->str()) : std::string();
}

inline bool Bool(const Node& j, const char* key) {
  const Node* v = Get(j, key);
  return v != nullptr && v->boolean();
}

inline long Int(const Node& j, const char* key, long fallback = 0) {
  const Node* v = Get(j, key);
  return v != nullptr && v->is_int() ? static_cast<long>(v->integer()) : fallback;
}

// The array under `key`; an empty one when absent.
inline const Node& Arr(const Node& j, const char* key) {
  static const Node empty;
  const Node* v = Get(j, key);
  return v != nullptr && v->is_array() ? *v : empty;
}

// The single key of a node such as {"AlterTableStmt": {...}}.
inline std::pair<std::string_view, const Node*> NodeOf(const Node& node) {
  if (!node.is_object() || node.empty()) return {{}, nullptr};
  return {node[0].key(), &node[0]};
}

// ["a", "b"] out of [{"String":{"sval":"a"}}, {"String":{"sval":"b"}}].
inline std::vector<std::string> Names(const Node& list) {
  std::vector<std::string> out;
  for (const Node& item : list) {
    if (const Node* s = Get(item, "String")) out.push_back(Str(*s, "sval"));
  }
  return out;
}

// "users" for public.users and users; "audit.users" otherwise.
inline std::string QualifiedKey(const std::string& schema, const std::string& name) {
  return schema.empty() || schema == "public" ? name : schema + "." + name;
}

inline std::string RangeVarKey(const Node& rv) {
  return QualifiedKey(Str(rv, "schemaname"), Str(rv, "relname"));
}

inline std::string NamesKey(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  return QualifiedKey(names.size() >= 2 ? names[names.size() - 2] : "", names.back());
}

// The integer value of an A_Const ({"A_Const": {"ival": {"ival": 3}}}), or `fallback`.
inline long ConstInt(const Node& node, long fallback) {
  const Node* c = Get(node, "A_Const");
  const Node* ival = c != nullptr ? Get(*c, "ival") : nullptr;
  if (ival == nullptr) return fallback;
  return Int(*ival, "ival", 0);  // PostgreSQL 15's JSON leaves out a zero ival
}

}  // namespace strata::lint

#endif  // STRATA_LINT_TREE_H_
