// ParseSql (parse.h): libpg_query's JSON output read by RapidJSON's iterative, in-situ SAX reader
// straight into Nodes in the result's arena: no DOM, no map or string per key, no copies.
#include "pgtree/parse.h"

#include <pg_query.h>
#include <rapidjson/reader.h>

#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "pgtree/arena.h"

namespace strata::pgtree {

// Builds Nodes from RapidJSON's SAX events. A container's children wait on one shared stack until
// it closes and its size is known; then they are copied into the arena in one block. Strings and
// keys are read in place (in-situ parsing NUL-terminates them inside the JSON text, which the
// ParsedSql keeps), so none is copied.
class TreeBuilder {
 public:
  explicit TreeBuilder(Arena& arena) : arena_(arena) {}

  // The document's root, once parsed.
  const Node* root() const { return root_; }

  bool Null() { return Add(Node()); }
  bool Bool(bool v) {
    Node n;
    n.kind_ = Node::Kind::kBool;
    n.u_.boolean = v;
    return Add(n);
  }
  bool Int(int v) { return Int64(v); }
  bool Uint(unsigned v) { return Int64(v); }
  bool Uint64(uint64_t v) { return Int64(static_cast<int64_t>(v)); }
  bool Int64(int64_t v) {
    Node n;
    n.kind_ = Node::Kind::kInt;
    n.u_.integer = v;
    return Add(n);
  }
  bool Double(double v) {
    Node n;
    n.kind_ = Node::Kind::kDouble;
    n.u_.number = v;
    return Add(n);
  }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }  // not asked for
  bool String(const char* s, rapidjson::SizeType length, bool) {
    Node n;
    n.kind_ = Node::Kind::kString;
    n.u_.text = s;
    n.count_ = length;
    return Add(n);
  }
  bool Key(const char* s, rapidjson::SizeType, bool) {
    key_ = s;
    return true;
  }
  bool StartObject() { return Open(); }
  bool EndObject(rapidjson::SizeType) { return Close(Node::Kind::kObject); }
  bool StartArray() { return Open(); }
  bool EndArray(rapidjson::SizeType) { return Close(Node::Kind::kArray); }

 private:
  struct Container {
    size_t first;     // index in pending_ of its first child
    const char* key;  // the key it sits under
  };

  bool Add(Node n) {
    n.key_ = key_;
    key_ = nullptr;
    pending_.push_back(n);
    return true;
  }
  bool Open() {
    open_.push_back({pending_.size(), key_});
    key_ = nullptr;
    return true;
  }
  bool Close(Node::Kind kind) {
    Container o = open_.back();
    open_.pop_back();
    size_t n = pending_.size() - o.first;
    Node* children = arena_.AllocateArray<Node>(n);
    if (n > 0) std::memcpy(static_cast<void*>(children), &pending_[o.first], n * sizeof(Node));
    pending_.resize(o.first);
    Node c;
    c.kind_ = kind;
    c.u_.children = children;
    c.count_ = static_cast<uint32_t>(n);
    c.key_ = o.key;
    if (!open_.empty()) {
      pending_.push_back(c);
      return true;
    }
    Node* root = arena_.AllocateArray<Node>(1);
    new (root) Node(c);
    root_ = root;
    return true;
  }

  Arena& arena_;
  std::vector<Node> pending_;
  std::vector<Container> open_;
  const char* key_ = nullptr;
  const Node* root_ = nullptr;
};

ParsedSql::ParsedSql() : arena_(std::make_unique<Arena>()) {}
ParsedSql::~ParsedSql() = default;
ParsedSql::ParsedSql(ParsedSql&&) noexcept = default;
ParsedSql& ParsedSql::operator=(ParsedSql&&) noexcept = default;

ParsedSql ParseSql(const char* sql) {
  ParsedSql out;
  PgQueryParseResult parsed = pg_query_parse(sql);
  if (parsed.error != nullptr) {
    out.error_ = parsed.error->message != nullptr ? parsed.error->message : "syntax error";
    out.error_cursor_ = parsed.error->cursorpos;
    pg_query_free_parse_result(parsed);
    return out;
  }
  // The JSON text stays with the result: the Nodes' strings point into it.
  out.json_ = std::unique_ptr<char, void (*)(char*)>(parsed.parse_tree, [](char* p) {
    PgQueryParseResult owned{};
    owned.parse_tree = p;
    pg_query_free_parse_result(owned);
  });
  parsed.parse_tree = nullptr;
  pg_query_free_parse_result(parsed);
  TreeBuilder builder(*out.arena_);
  const Node* root = nullptr;
  if (out.json_ != nullptr) {
    rapidjson::InsituStringStream in(out.json_.get());
    rapidjson::Reader reader;
    constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag;
    if (!reader.Parse<kFlags>(in, builder).IsError()) root = builder.root();
  }
  if (root == nullptr) {
    out.error_ = "the parser's output could not be read";
    return out;
  }
  for (const Node& s : Arr(*root, "stmts")) {
    ParsedStatement st;
    st.tree = s.Find("stmt");
    st.location = static_cast<size_t>(Int(s, "stmt_location"));
    st.length = static_cast<size_t>(Int(s, "stmt_len"));
    out.statements_.push_back(st);
  }
  return out;
}

}  // namespace strata::pgtree
