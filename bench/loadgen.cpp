// A small HTTP load generator for the unix socket: keep-alive connections, GET only, latency
// percentiles and throughput as one JSON line. Not the lxc client, so the figures are the
// daemon's own and not the client's start-up time.
//
//   lxdp-loadgen SOCKET PATH [--requests N | --seconds S] [--clients C]
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int connectUnix(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("connect");
        std::exit(2);
    }
    return fd;
}

// Sends one request and reads the whole response (Content-Length framing); false on error.
bool roundTrip(int fd, const std::string& request, std::string& buffer) {
    if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) return false;
    buffer.clear();
    size_t headerEnd = std::string::npos, total = 0;
    char chunk[65536];
    for (;;) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<size_t>(n));
        if (headerEnd == std::string::npos) {
            headerEnd = buffer.find("\r\n\r\n");
            if (headerEnd == std::string::npos) continue;
            std::string head = buffer.substr(0, headerEnd);
            std::transform(head.begin(), head.end(), head.begin(), ::tolower);
            size_t cl = head.find("content-length:");
            if (cl == std::string::npos) return false;
            total = headerEnd + 4 + std::stoul(head.substr(cl + 15));
        }
        if (buffer.size() >= total) return true;
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s SOCKET PATH [--requests N | --seconds S] [--clients C]\n", argv[0]);
        return 2;
    }
    const std::string socket = argv[1], path = argv[2];
    long requests = 1000;
    double seconds = 0;
    int clients = 1;
    for (int i = 3; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--requests") requests = std::stol(argv[i + 1]);
        else if (a == "--seconds") seconds = std::stod(argv[i + 1]);
        else if (a == "--clients") clients = std::stoi(argv[i + 1]);
    }
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: lxd\r\nConnection: keep-alive\r\n\r\n";
    std::mutex mutex;
    std::vector<double> latencies;
    std::atomic<long> issued{0};
    std::atomic<bool> failed{false};
    const auto start = Clock::now();
    auto worker = [&] {
        int fd = connectUnix(socket);
        std::string buffer;
        std::vector<double> mine;
        for (;;) {
            if (seconds > 0) {
                if (std::chrono::duration<double>(Clock::now() - start).count() >= seconds) break;
            } else if (issued.fetch_add(1) >= requests) {
                break;
            }
            auto t0 = Clock::now();
            if (!roundTrip(fd, request, buffer)) {
                failed = true;
                break;
            }
            mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
        }
        ::close(fd);
        std::lock_guard lock(mutex);
        latencies.insert(latencies.end(), mine.begin(), mine.end());
    };
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (latencies.empty()) {
        std::fprintf(stderr, "no request succeeded\n");
        return 1;
    }
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) { return latencies[std::min(latencies.size() - 1, static_cast<size_t>(p * latencies.size()))]; };
    std::printf("{\"requests\":%zu,\"p50_us\":%.0f,\"p99_us\":%.0f,\"rps\":%.1f,\"failed\":%s}\n", latencies.size(),
                pct(0.50), pct(0.99), latencies.size() / elapsed, failed ? "true" : "false");
    return failed ? 1 : 0;
}
