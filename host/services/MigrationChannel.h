// The two websockets of one instance migration, as upstream's: "control" carries the protocol's
// messages (MigrationMessages.h), "fs" the volumes' files (MigrationRsync.h). The end that
// started the operation serves them to the peer, who presents their secrets (a pull source);
// the other end connects to them (a pull target). Either way both ends then speak alike.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/MigrationMessages.h"
#include "services/WebSocketSecrets.h"

namespace lxdp::api {
class Request;
class WebSocket;
}  // namespace lxdp::api
namespace lxdp::tls { struct ServerCertificate; }

namespace lxdp::services {

class MigrationChannel {
public:
    // Served: the secrets the peer presents, made here ("control", "fs").
    MigrationChannel();
    // Connected: to the operation at operationUrl (https://HOST/1.0/operations/ID) with its
    // secrets, the server having to present certificate, ours presented. BadRequest when a
    // secret is missing or a connection fails.
    static std::unique_ptr<MigrationChannel> connect(const std::string& operationUrl,
                                                     const std::map<std::string, std::string>& secrets,
                                                     const std::string& certificate,
                                                     const tls::ServerCertificate& identity);
    ~MigrationChannel();

    // Served: the secrets, keyed "control" and "fs".
    const std::map<std::string, std::string>& secrets() const { return secrets_.byStream(); }
    // Served: runs on the peer's connection thread, upgrading it and keeping it until the
    // migration ends. An unknown or already used secret is a 403.
    void serve(const std::string& secret, api::Request& request);
    // Served: waits (upstream's 10 seconds) for the peer to attach both websockets.
    void awaitPeer();

    void send(const migration::Header& header);
    void send(const migration::Control& control);
    // Wait for the peer's next control message; InternalError when it went away or sent
    // something else.
    migration::Header receiveHeader();
    migration::Control receiveControl();

    void sendTree(const std::string& path, const std::vector<std::string>& features, const std::string& bwlimit);
    void receiveTree(const std::string& path, const std::vector<std::string>& features);

    // Ends the migration's connections (served ones are released to end their requests).
    void close();

private:
    std::string receiveControlMessage();

    const WebSocketSecrets secrets_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::string, api::WebSocket*> attached_;  // served websockets, by stream
    std::unique_ptr<api::WebSocket> controlOwned_, fsOwned_;  // connected ones
    api::WebSocket* control_ = nullptr;
    api::WebSocket* fs_ = nullptr;
    std::atomic<bool> closed_{false};
};

}  // namespace lxdp::services
