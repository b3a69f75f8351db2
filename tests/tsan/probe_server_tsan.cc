// ThreadSanitizer harness for serve's threaded code (scripts/tsan-serve.sh builds and runs it):
// ProbeServer and the readiness code compiled with -fsanitize=thread, the rest of strata linked
// from a normal build, the HTTP module's worker threads (4) answering 8 client threads x 200
// requests with a 5 ms cache, so refreshes and readers race; then Stop from another thread.
// Exit 0 when every answer was 200 or 503; TSan reports make it exit 66.
// Usage: probe_server_tsan MIGRATIONS_DIR URL
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "strata/script.h"
#include "strata/serve.h"
using namespace strata;
static int Get(int port, const char* path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (sockaddr*)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  std::string req = std::string("GET ") + path + " HTTP/1.0\r\n\r\n";
  if (write(fd, req.data(), req.size()) < 0) {
    close(fd);
    return -1;
  }
  std::string all;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) all.append(buf, n);
  close(fd);
  return all.size() > 12 ? std::atoi(all.c_str() + 9) : -1;
}
int main(int argc, char** argv) {
  Result<RevisionGraph> g = LoadScriptDirectory(argv[1], 1 << 26);
  if (!g.ok()) {
    std::fprintf(stderr, "%s\n", g.status().ToString().c_str());
    return 1;
  }
  ServeOptions o;
  o.url = argv[2];
  o.cache_ttl = std::chrono::milliseconds(5);
  o.threads = 4;
  ProbeServer s(o, std::move(g).value());
  if (!s.Bind("127.0.0.1", 0).ok()) return 1;
  std::thread runner([&] { (void)s.Run(); });
  std::atomic<int> ok{0}, bad{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&, t] {
      const char* paths[] = {"/ready", "/metrics", "/health"};
      for (int i = 0; i < 200; ++i) {
        int st = Get(s.port(), paths[(i + t) % 3]);
        (st == 200 || st == 503 ? ok : bad)++;
      }
    });
  for (auto& c : clients) c.join();
  std::thread stopper([&] { s.Stop(); });
  stopper.join();
  runner.join();
  std::printf("ok=%d bad=%d\n", ok.load(), bad.load());
  return bad.load() == 0 ? 0 : 1;
}
