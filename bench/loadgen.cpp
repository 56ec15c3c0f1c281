// A small HTTP load generator for the unix socket: keep-alive connections, GET only, latency
// percentiles and throughput as one JSON line. Not the lxc client, so the figures are the
// daemon's own and not the client's start-up time.
//
//   lxdp-loadgen SOCKET PATH [--requests N] [--seconds S] [--clients C]
//       N requests in all (default 1000 unless --seconds is given), stopping at S seconds if sooner.
//   lxdp-loadgen SOCKET PATH --until-up S
//       retries every millisecond until PATH answers 200 (a daemon starting), at most S seconds.
//   lxdp-loadgen SOCKET INSTANCE-PATH --exec N
//       runs `true` N times in the instance as the lxc client does, and times each step (exec_probe.h).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "exec_probe.h"
#include "unix_http.h"

namespace {

using namespace bench;

using Clock = std::chrono::steady_clock;

// For the cold start: the first moment the daemon answers 200, polled every millisecond.
int waitUntilUp(const std::string& socket, const std::string& request, double limitS) {
    const auto start = Clock::now();
    std::string buffer;
    while (std::chrono::duration<double>(Clock::now() - start).count() < limitS) {
        if (int fd = tryConnectUnix(socket); fd >= 0) {
            const bool up = roundTrip(fd, request, buffer) && buffer.rfind("HTTP/1.1 200", 0) == 0;
            ::close(fd);
            if (up) {
                std::printf("{\"waited_ms\":%.1f}\n",
                            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
                return 0;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::fprintf(stderr, "not up after %.0f s\n", limitS);
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s SOCKET PATH [--requests N] [--seconds S] [--clients C] | --until-up S | --exec N\n", argv[0]);
        return 2;
    }
    const std::string socket = argv[1], path = argv[2];
    long requests = -1;
    double seconds = 0, untilUp = 0;
    int clients = 1, execRuns = 0;
    for (int i = 3; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--requests") requests = std::stol(argv[i + 1]);
        else if (a == "--seconds") seconds = std::stod(argv[i + 1]);
        else if (a == "--clients") clients = std::stoi(argv[i + 1]);
        else if (a == "--until-up") untilUp = std::stod(argv[i + 1]);
        else if (a == "--exec") execRuns = std::stoi(argv[i + 1]);
    }
    if (execRuns > 0) return runExecProbe(socket, path, execRuns);
    if (requests < 0) requests = seconds > 0 ? std::numeric_limits<long>::max() : 1000;
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: lxd\r\nConnection: keep-alive\r\n\r\n";
    if (untilUp > 0) return waitUntilUp(socket, request, untilUp);
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
            if (seconds > 0 && std::chrono::duration<double>(Clock::now() - start).count() >= seconds) break;
            if (issued.fetch_add(1) >= requests) break;
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
