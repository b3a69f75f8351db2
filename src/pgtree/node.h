// A read-only PostgreSQL parse tree, in the shape of libpg_query's JSON output: objects keyed by
// field name ({"AlterTableStmt": {"relation": {...}, "cmds": [...]}}), arrays, strings, integers
// and booleans; fields at their default (0, false, "", empty list) are absent, as in the JSON.
//
// Built by ParseSql (parse.h) into an arena: a node costs one 24-byte slot rather than a map
// entry and a string. Nodes live as long as the ParsedSql that owns their arena.
#ifndef STRATA_PGTREE_NODE_H_
#define STRATA_PGTREE_NODE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace strata::pgtree {

class Node {
 public:
  enum class Kind : uint8_t { kNull, kObject, kArray, kString, kInt, kBool, kDouble };

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_structured() const { return is_object() || is_array(); }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_int() const { return kind_ == Kind::kInt; }
  bool is_bool() const { return kind_ == Kind::kBool; }

  // Members of an object, elements of an array; none for a scalar.
  size_t size() const { return is_structured() ? count_ : 0; }
  bool empty() const { return size() == 0; }
  const Node* begin() const { return is_structured() ? u_.children : nullptr; }
  const Node* end() const { return begin() + size(); }
  const Node& operator[](size_t i) const { return u_.children[i]; }

  // The key this node sits under in its object ("" for an array element or a root).
  std::string_view key() const { return key_ == nullptr ? std::string_view() : key_; }

  // The member of an object named `name`; null when absent or when this is not an object.
  const Node* Find(std::string_view name) const {
    for (const Node& m : *this) {
      if (m.key_ != nullptr && name == m.key_) return &m;
    }
    return nullptr;
  }

  std::string_view str() const {
    return is_string() ? std::string_view(u_.text, count_) : std::string_view();
  }
  int64_t integer() const { return is_int() ? u_.integer : 0; }
  bool boolean() const { return is_bool() && u_.boolean; }
  double number() const { return kind_ == Kind::kDouble ? u_.number : 0.0; }

 private:
  friend class TreeBuilder;

  const char* key_ = nullptr;  // static storage: protobuf descriptors' and the name table's
  union {
    const Node* children;
    const char* text;
    int64_t integer;
    bool boolean;
    double number;
  } u_{nullptr};
  uint32_t count_ = 0;  // children, or the string's length
  Kind kind_ = Kind::kNull;
};

// Accessors that return empty values for missing or mistyped members, so that readers never
// fail on a node shape they did not expect.

inline const Node* Get(const Node& n, const char* key) { return n.Find(key); }

inline std::string Str(const Node& n, const char* key) {
  const Node* v = n.Find(key);
  return v != nullptr ? std::string(v->str()) : std::string();
}

inline bool Bool(const Node& n, const char* key) {
  const Node* v = n.Find(key);
  return v != nullptr && v->boolean();
}

inline long Int(const Node& n, const char* key, long fallback = 0) {
  const Node* v = n.Find(key);
  return v != nullptr && v->is_int() ? static_cast<long>(v->integer()) : fallback;
}

// The array under `key`; an empty one when absent.
inline const Node& Arr(const Node& n, const char* key) {
  static const Node empty;
  const Node* v = n.Find(key);
  return v != nullptr && v->is_array() ? *v : empty;
}

// The single member of a node such as {"AlterTableStmt": {...}}: its key and its value.
inline std::pair<std::string_view, const Node*> NodeOf(const Node& node) {
  if (!node.is_object() || node.empty()) return {{}, nullptr};
  return {node[0].key(), &node[0]};
}

}  // namespace strata::pgtree

#endif  // STRATA_PGTREE_NODE_H_
