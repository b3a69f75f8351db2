// strata_http.so: cpp-httplib behind the C ABI of serve/http_module.h.
#include "serve/http_module.h"

#include <httplib.h>

#include <cstdlib>
#include <string>

#define STRATA_HTTP_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

struct HttpServer {
  httplib::Server http;
  strata_http_handler handler;
  void* ctx;
};

}  // namespace

STRATA_HTTP_EXPORT void* strata_http_new(int threads, strata_http_handler handler, void* ctx) {
  auto* s = new HttpServer{{}, handler, ctx};
  s->http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Small responses written in two parts (headers, body): without TCP_NODELAY, Nagle's algorithm
  // and the client's delayed ACK hold every response back by tens of milliseconds.
  s->http.set_tcp_nodelay(true);
  s->http.set_keep_alive_max_count(100);
  // Probes are small and local: do not keep idle connections (and threads) around for long.
  s->http.set_keep_alive_timeout(2);
  s->http.set_read_timeout(5, 0);
  s->http.set_write_timeout(5, 0);
  auto serve = [s](const httplib::Request& req, httplib::Response& res) {
    char* body = nullptr;
    size_t len = 0;
    const char* type = "text/plain";
    res.status = s->handler(s->ctx, req.path.c_str(), &body, &len, &type);
    res.set_content(body ? std::string(body, len) : std::string(), type);
    res.set_header("Cache-Control", "no-store");
    std::free(body);
  };
  s->http.Get(R"(/[a-z]*)", serve);
  return s;
}

STRATA_HTTP_EXPORT int strata_http_bind(void* server, const char* host, int port) {
  auto* s = static_cast<HttpServer*>(server);
  if (port == 0) return s->http.bind_to_any_port(host);
  return s->http.bind_to_port(host, port) ? port : -1;
}

STRATA_HTTP_EXPORT void strata_http_run(void* server) {
  static_cast<HttpServer*>(server)->http.listen_after_bind();
}

STRATA_HTTP_EXPORT void strata_http_stop(void* server) {
  static_cast<HttpServer*>(server)->http.stop();
}

STRATA_HTTP_EXPORT void strata_http_free(void* server) { delete static_cast<HttpServer*>(server); }
