// One `lxc console` attach: the data websocket ("0") mirrors the instance's console, the control
// websocket ("control") resizes it; the session ends when the client detaches (it closes
// control, or data) or the console goes away (the instance stops).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include "services/WebSocketSecrets.h"

namespace lxdp::api {
class Request;
class WebSocket;
}  // namespace lxdp::api

namespace lxdp::services {

class ConsoleSession {
public:
    ConsoleSession(int width, int height);
    ~ConsoleSession();

    // The secrets, keyed "0" and "control".
    const std::map<std::string, std::string>& secrets() const { return secrets_.byStream(); }

    // Runs on the connection's thread: upgrades it and serves its websocket until the end.
    // An unknown or already used secret is a 403.
    void serve(const std::string& secret, api::Request& request);

    // Waits for both websockets, then mirrors the console (fd, which the session now owns)
    // until the client detaches or the console ends.
    void run(int consoleFd);

private:
    void mirror(api::WebSocket& ws);
    void control(api::WebSocket& ws);
    void end();

    const int width_;
    const int height_;
    const WebSocketSecrets secrets_;

    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::string, bool> attached_;
    bool started_ = false;
    std::atomic<bool> ended_{false};
    int fd_ = -1;
};

}  // namespace lxdp::services
