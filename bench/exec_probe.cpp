#include "exec_probe.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

#include "unix_http.h"

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// The value of "key":"..." after `from` in a JSON text; enough for the operation's id and secrets.
std::string jsonString(const std::string& text, const std::string& key, size_t from = 0) {
    const std::string quoted = "\"" + key + "\":\"";
    size_t at = text.find(quoted, from);
    if (at == std::string::npos) return {};
    at += quoted.size();
    return text.substr(at, text.find('"', at) - at);
}

// A websocket to the operation with that secret, upgraded; -1 when the upgrade failed. `early`
// gets what was read past the upgrade's headers (frames the server sent at once).
int openStream(const std::string& socket, const std::string& op, const std::string& secret, std::string& early) {
    int fd = connectUnix(socket);
    const std::string request = "GET /1.0/operations/" + op + "/websocket?secret=" + secret +
                                " HTTP/1.1\r\nHost: lxd\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    std::string buffer;
    const size_t headerEnd = ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())
                                 ? fillUntil(fd, buffer, "\r\n\r\n", 0)
                                 : std::string::npos;
    if (headerEnd == std::string::npos || buffer.rfind("HTTP/1.1 101", 0) != 0) {
        ::close(fd);
        return -1;
    }
    early = buffer.substr(headerEnd + 4);
    return fd;
}

// Reads frames until a text frame (the server's end of stream) or a close frame; pings, pongs
// and binary data are skipped. False when the connection ended first.
bool readToEndOfStream(int fd, std::string buffer) {
    size_t at = 0;
    for (;;) {
        if (!fill(fd, buffer, at + 2)) return false;
        const auto op = static_cast<unsigned char>(buffer[at]) & 0x0f;
        size_t len = static_cast<unsigned char>(buffer[at + 1]) & 0x7f, header = 2;
        if (len == 126 || len == 127) {
            const size_t bytes = len == 126 ? 2 : 8;
            if (!fill(fd, buffer, at + 2 + bytes)) return false;
            len = 0;
            for (size_t i = 0; i < bytes; ++i) len = len << 8 | static_cast<unsigned char>(buffer[at + 2 + i]);
            header += bytes;
        }
        if (!fill(fd, buffer, at + header + len)) return false;
        if (op == 0x1 || op == 0x8) return true;
        at += header + len;
    }
}

// Sends the client's end of input: an empty, masked text frame.
bool sendEndOfInput(int fd) {
    const unsigned char frame[] = {0x81, 0x80, 0, 0, 0, 0};
    return ::write(fd, frame, sizeof frame) == sizeof frame;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int runExecProbe(const std::string& socket, const std::string& instancePath, int runs) {
    const std::string body =
        R"({"command":["true"],"wait-for-websocket":true,"interactive":false,"environment":{},)"
        R"("width":0,"height":0,"record-output":false,"user":0,"group":0,"cwd":""})";
    const std::string post = "POST " + instancePath + "/exec HTTP/1.1\r\nHost: lxd\r\nContent-Type: application/json\r\n"
                             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::map<std::string, std::vector<double>> steps;
    int failures = 0;
    for (int run = 0; run < runs; ++run) {
        const auto t0 = Clock::now();
        int api = connectUnix(socket);
        std::string buffer;
        if (!roundTrip(api, post, buffer) || buffer.rfind("HTTP/1.1 202", 0) != 0) {
            std::fprintf(stderr, "exec refused: %.300s\n", buffer.c_str());
            return 1;
        }
        const size_t fds = buffer.find("\"fds\":");
        const std::string op = jsonString(buffer, "id");
        steps["post"].push_back(msSince(t0));

        auto t = Clock::now();
        int streams[4];
        std::string early[4];
        const char* names[4] = {"control", "0", "1", "2"};
        for (int i = 0; i < 4; ++i) {
            streams[i] = openStream(socket, op, jsonString(buffer, names[i], fds), early[i]);
            if (streams[i] < 0) {
                std::fprintf(stderr, "websocket %s refused\n", names[i]);
                return 1;
            }
        }
        sendEndOfInput(streams[1]);
        steps["attach"].push_back(msSince(t));

        t = Clock::now();
        const bool ended = readToEndOfStream(streams[2], early[2]) && readToEndOfStream(streams[3], early[3]);
        steps["output"].push_back(msSince(t));

        t = Clock::now();
        const bool done = roundTrip(api, "GET /1.0/operations/" + op + "/wait HTTP/1.1\r\nHost: lxd\r\n\r\n", buffer);
        steps["wait"].push_back(msSince(t));
        steps["total"].push_back(msSince(t0));
        if (!ended || !done || buffer.find("\"return\":0") == std::string::npos) ++failures;
        for (int fd : streams) ::close(fd);
        ::close(api);
    }
    std::printf("{\"runs\":%d,\"failed\":%d", runs, failures);
    for (const auto& [name, values] : steps) std::printf(",\"%s_ms\":%.2f", name.c_str(), median(values));
    std::printf("}\n");
    return failures == 0 ? 0 : 1;
}

}  // namespace bench
