// Reading parse trees (pgtree/node.h, in the shape of libpg_query's JSON) in the rules: the
// accessors of node.h, and the names and keys the rules compare.
#ifndef STRATA_LINT_TREE_H_
#define STRATA_LINT_TREE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgtree/node.h"

namespace strata::lint {

using Node = pgtree::Node;

using pgtree::Arr;
using pgtree::Bool;
using pgtree::Get;
using pgtree::Int;
using pgtree::NodeOf;
using pgtree::Str;

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
