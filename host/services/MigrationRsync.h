// One directory tree sent or received with rsync over a migration's "fs" websocket, as upstream's
// lxd/rsync does, so either end may be upstream LXD: the sender runs rsync as a client whose
// remote shell (`lxd netcat`) is a pipe to the websocket, the receiver runs `rsync --server`
// with its stdin and stdout on the websocket. Each side's data goes as binary messages and ends
// with a "barrier" (an empty text message); each transfer waits for the peer's barrier, so the
// next transfer on the same websocket starts clean.
#pragma once

#include <string>
#include <vector>

namespace lxdp::api { class WebSocket; }

namespace lxdp::services {

// path's contents (not path itself) go to the receiver's directory. features: upstream's rsync
// feature names ("xattrs", "delete", "compress"); bwlimit: rsync's --bwlimit, empty for none;
// exePath: the daemon's binary, which serves as rsync's remote shell.
void sendTreeOverWebSocket(api::WebSocket& ws, const std::string& path, const std::vector<std::string>& features,
                           const std::string& bwlimit, const std::string& exePath);
void receiveTreeOverWebSocket(api::WebSocket& ws, const std::string& path, const std::vector<std::string>& features);

// `lxd netcat SOCKET`: the remote shell of a sending rsync. Connects to the daemon's abstract
// unix socket SOCKET (rsync closes the descriptors it does not know, so none is inherited) and
// copies its stdin there and what comes back to its stdout, until the daemon's side ends.
int runMigrationNetcat(const std::string& socketName);

}  // namespace lxdp::services
