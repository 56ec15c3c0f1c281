#include "services/MigrationChannel.h"

#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "api/Request.h"
#include "api/WebSocket.h"
#include "services/MigrationRsync.h"
#include "util/ApiError.h"

namespace lxdp::services {

namespace {
// Upstream waits this long for the peer to attach its websockets.
constexpr auto kAttachTimeout = std::chrono::seconds(10);

// The daemon's own binary, rsync's remote shell: through /proc, as the daemon runs from a sealed
// copy that no path of the mount tree reaches.
std::string daemonExecutable() { return "/proc/" + std::to_string(::getpid()) + "/exe"; }
}  // namespace

MigrationChannel::MigrationChannel() : secrets_{"control", "fs"} {}

MigrationChannel::~MigrationChannel() { close(); }

std::unique_ptr<MigrationChannel> MigrationChannel::connect(const std::string& operationUrl,
                                                            const std::map<std::string, std::string>& secrets,
                                                            const std::string& certificate,
                                                            const tls::ServerCertificate& identity) {
    auto channel = std::make_unique<MigrationChannel>();
    auto dial = [&](const char* stream) {
        const auto it = secrets.find(stream);
        if (it == secrets.end() || it->second.empty())
            throw BadRequest(std::string("Missing ") + stream + " secret");
        // Upstream's secrets are hex; anything else would change the query's meaning.
        if (it->second.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
            throw BadRequest(std::string("Invalid ") + stream + " secret");
        return api::WebSocket::connect(operationUrl + "/websocket?secret=" + it->second, certificate, identity);
    };
    channel->controlOwned_ = dial("control");
    channel->fsOwned_ = dial("fs");
    channel->control_ = channel->controlOwned_.get();
    channel->fs_ = channel->fsOwned_.get();
    return channel;
}

void MigrationChannel::serve(const std::string& secret, api::Request& request) {
    const std::string stream = secrets_.streamOf(secret);
    {
        std::lock_guard lock(mutex_);
        if (stream.empty() || attached_.count(stream) || closed_) throw Forbidden("Invalid websocket secret");
        attached_[stream] = nullptr;  // taken, before the upgrade
    }
    api::WebSocket ws(request);
    std::unique_lock lock(mutex_);
    attached_[stream] = &ws;
    cv_.notify_all();
    cv_.wait(lock, [&] { return closed_.load(); });
}

void MigrationChannel::awaitPeer() {
    std::unique_lock lock(mutex_);
    const bool both = cv_.wait_for(lock, kAttachTimeout, [&] {
        return attached_.count("control") && attached_["control"] && attached_.count("fs") && attached_["fs"];
    });
    if (!both) throw BadRequest("Timed out waiting for connections");
    control_ = attached_["control"];
    fs_ = attached_["fs"];
}

void MigrationChannel::send(const migration::Header& header) {
    const std::string bytes = migration::encode(header);
    if (!control_->sendBinary(bytes.data(), bytes.size())) throw InternalError("The migration peer went away");
}

void MigrationChannel::send(const migration::Control& control) {
    const std::string bytes = migration::encode(control);
    control_->sendBinary(bytes.data(), bytes.size());
}

std::string MigrationChannel::receiveControlMessage() {
    while (!closed_) {
        auto msg = control_->receive(500);
        if (!msg) continue;
        if (msg->kind == api::WebSocket::Kind::Closed) break;
        if (msg->kind == api::WebSocket::Kind::Binary) return msg->data;
    }
    throw InternalError("The migration peer went away");
}

migration::Header MigrationChannel::receiveHeader() {
    const std::string bytes = receiveControlMessage();
    try {
        return migration::decodeHeader(bytes);
    } catch (const std::invalid_argument&) {
        // A peer that fails before its header sends its outcome instead.
        try {
            const auto control = migration::decodeControl(bytes);
            if (!control.success) throw InternalError(control.message.empty() ? "The migration peer failed" : control.message);
        } catch (const std::invalid_argument&) {
        }
        throw InternalError("The migration peer sent an invalid header");
    }
}

migration::Control MigrationChannel::receiveControl() {
    try {
        return migration::decodeControl(receiveControlMessage());
    } catch (const std::invalid_argument&) {
        throw InternalError("The migration peer sent an invalid control message");
    }
}

void MigrationChannel::sendTree(const std::string& path, const std::vector<std::string>& features,
                                const std::string& bwlimit) {
    sendTreeOverWebSocket(*fs_, path, features, bwlimit, daemonExecutable());
}

void MigrationChannel::receiveTree(const std::string& path, const std::vector<std::string>& features) {
    receiveTreeOverWebSocket(*fs_, path, features);
}

void MigrationChannel::close() {
    std::lock_guard lock(mutex_);
    if (closed_.exchange(true)) return;
    for (auto* ws : {control_, fs_})
        if (ws) ws->shutdown();
    cv_.notify_all();
}

}  // namespace lxdp::services
