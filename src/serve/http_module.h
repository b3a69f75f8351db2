// The C ABI of strata_http.so, the HTTP transport of `strata serve`.
//
// cpp-httplib is a shared library that brings OpenSSL, zlib, Brotli and a dynamic libstdc++
// with it; linked into the executable, every command would pay for loading them at start-up (a
// measured feature). So the transport lives in a module loaded with dlopen by ProbeServer only,
// as the PostgreSQL driver does (driver/plugin.h). Only C types cross the boundary: the
// executable carries its own static libstdc++, the module uses the shared one.
//
//   void* strata_http_new(int threads, strata_http_handler handler, void* ctx);
//   int   strata_http_bind(void* server, const char* host, int port);  // the port, or -1
//   void  strata_http_run(void* server);   // serves until strata_http_stop
//   void  strata_http_stop(void* server);  // thread-safe
//   void  strata_http_free(void* server);
//
// The handler is called on the module's worker threads, concurrently; it returns the HTTP status
// and sets *body to a malloc'ed buffer (freed by the module with free) and *content_type to a
// string that outlives the call.
#ifndef STRATA_SERVE_HTTP_MODULE_H_
#define STRATA_SERVE_HTTP_MODULE_H_

#include <cstddef>

extern "C" {
typedef int (*strata_http_handler)(void* ctx, const char* path, char** body, size_t* body_len,
                                   const char** content_type);
typedef void* (*strata_http_new_fn)(int threads, strata_http_handler handler, void* ctx);
typedef int (*strata_http_bind_fn)(void* server, const char* host, int port);
typedef void (*strata_http_run_fn)(void* server);
typedef void (*strata_http_stop_fn)(void* server);
typedef void (*strata_http_free_fn)(void* server);
}

namespace strata::serve {
inline constexpr const char* kHttpModuleName = "strata_http.so";
}

#endif  // STRATA_SERVE_HTTP_MODULE_H_
