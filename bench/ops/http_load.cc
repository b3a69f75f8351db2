// A small HTTP load generator for bench/ops/run.sh (no wrk/ab/oha is packaged here): C
// connections, each on its own thread, send `GET PATH` with HTTP/1.1 keep-alive for D seconds,
// reconnecting whenever the server closes; prints requests per second and the status counts.
// Usage: http_load PORT PATH CONNECTIONS SECONDS
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads one response; returns its status (0 when the connection closed) and whether the server
// will close the connection.
int ReadResponse(int fd, std::string& buf, bool* closing) {
  size_t header_end;
  char tmp[8192];
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0) return 0;
    buf.append(tmp, static_cast<size_t>(n));
  }
  std::string head = buf.substr(0, header_end);
  int status = std::atoi(head.c_str() + 9);
  size_t cl = head.find("Content-Length: ");
  size_t length = cl == std::string::npos ? 0 : std::strtoul(head.c_str() + cl + 16, nullptr, 10);
  *closing = head.find("Connection: close") != std::string::npos;
  while (buf.size() < header_end + 4 + length) {
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0) return 0;
    buf.append(tmp, static_cast<size_t>(n));
  }
  buf.erase(0, header_end + 4 + length);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: http_load PORT PATH CONNECTIONS SECONDS\n");
    return 2;
  }
  int port = std::atoi(argv[1]);
  std::string path = argv[2];
  int conns = std::atoi(argv[3]);
  double seconds = std::atof(argv[4]);
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::mutex mu;
  std::map<int, long> statuses;
  std::atomic<long> reconnects{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < conns; ++c) {
    threads.emplace_back([&] {
      std::map<int, long> mine;
      int fd = -1;
      std::string buf;
      while (std::chrono::steady_clock::now() < end) {
        if (fd < 0) {
          fd = Connect(port);
          buf.clear();
          if (fd < 0) {
            mine[-1]++;
            continue;
          }
          reconnects++;
        }
        bool closing = false;
        int status = 0;
        if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
          status = ReadResponse(fd, buf, &closing);
        }
        if (status == 0 || closing) {
          close(fd);
          fd = -1;
        }
        if (status != 0) mine[status]++;
      }
      if (fd >= 0) close(fd);
      std::lock_guard<std::mutex> lock(mu);
      for (auto [s, n] : mine) statuses[s] += n;
    });
  }
  for (std::thread& t : threads) t.join();
  long total = 0;
  for (auto [s, n] : statuses) total += s > 0 ? n : 0;
  std::printf("requests_per_second %.0f\n", static_cast<double>(total) / seconds);
  for (auto [s, n] : statuses) std::printf("status_%d %ld\n", s, n);
  std::printf("connections_opened %ld\n", reconnects.load());
  return 0;
}
