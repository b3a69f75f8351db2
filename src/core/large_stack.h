// RunWithLargeStack: runs a function on a thread of its own with a large stack, and waits.
//
// libpg_query turns a parse tree into JSON by recursing once per nesting level, and an
// expression such as `1+1+…+1` nests once per term: PostgreSQL accepts 10,000 terms, which
// overflow the default 8 MB stack there (about 1 KB a level). The stack is reserved address
// space, touched only as deep as the call goes, so reserving much costs little.
//
// Thread-safe. An exception thrown by `fn` is rethrown to the caller.
#ifndef STRATA_CORE_LARGE_STACK_H_
#define STRATA_CORE_LARGE_STACK_H_

#include <cstddef>
#include <functional>
#include <string_view>

namespace strata {

// The stack a libpg_query parse runs on, and the most non-blank characters a statement may have
// to be parsed at all. Every nesting level takes at least one non-blank character and at most
// about 2 KB of stack (measured: `1+1+…` takes 140 bytes a level), so within the bound the
// stack cannot run out. Sections shorter than kSmallSqlBytes cannot nest deeply enough to need
// more than a default thread stack and are parsed where they are.
inline constexpr size_t kParserStackBytes = size_t{512} << 20;
inline constexpr size_t kMaxParseChars = 250000;
inline constexpr size_t kSmallSqlBytes = 2048;

// The number of bytes of `sql` that are not blanks: a cheap upper bound on its token count and
// so on the nesting depth of its parse tree.
size_t NonBlankChars(std::string_view sql);

// Runs `fn` on a new thread whose stack is `stack_bytes`, and returns when it has finished. When
// no such thread can be made (address space limits), runs `fn` on the calling thread.
void RunWithLargeStack(const std::function<void()>& fn, size_t stack_bytes = kParserStackBytes);

}  // namespace strata

#endif  // STRATA_CORE_LARGE_STACK_H_
