// The streams of one exec: the websockets the client attaches (stdin, stdout, stderr, control,
// or one PTY stream when interactive), pumped to and from the command's fds.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "plugins/InstanceDriver.h"
#include "services/WebSocketSecrets.h"

namespace lxdp::api {
class Request;
class WebSocket;
}  // namespace lxdp::api

namespace lxdp::services {

class ExecSession {
public:
    ExecSession(bool interactive, int width, int height);
    ~ExecSession();

    // The secrets, keyed "0", "1", "2", "control" (or "0", "control" when interactive).
    const std::map<std::string, std::string>& secrets() const { return secrets_.byStream(); }

    // Runs on the connection's thread: upgrades it and pumps its stream until the end.
    // An unknown or already used secret is a 403.
    void serve(const std::string& secret, api::Request& request);

    // Waits for the streams, runs the command, pumps, and returns its exit code.
    int run(const plugins::InstanceDriver& driver, const plugins::InstanceRef& ref, plugins::ExecSpec spec);

private:
    enum class Phase { Waiting, Running, Finished, Aborted };

    bool waitFor(const std::function<bool()>& ready, int timeoutMs);
    void setPhase(Phase p);
    void pumpStdin(api::WebSocket& ws);
    void pumpOutput(api::WebSocket& ws, int fd, const std::string& name);
    void pumpControl(api::WebSocket& ws);
    void pumpTerminal(api::WebSocket& ws);
    bool outputsDone();

    const bool interactive_;
    int width_;
    int height_;
    const WebSocketSecrets secrets_;

    std::mutex mutex_;
    std::condition_variable cv_;
    Phase phase_ = Phase::Waiting;
    std::map<std::string, bool> attached_;
    std::map<std::string, bool> done_;
    std::atomic<bool> stopPumps_{false};

    // Our ends: stdin (write), stdout and stderr (read), or the PTY master.
    int stdinFd_ = -1;
    int stdoutFd_ = -1;
    int stderrFd_ = -1;
    int ptyFd_ = -1;
    std::unique_ptr<plugins::ExecProcess> process_;
};

}  // namespace lxdp::services
