// Proxy devices in forwarder mode (nat=false): for each proxy device of a running instance, a
// listening socket on one side (the host's network namespace, or the instance's with
// bind=instance) and, per accepted connection, a connection to the other side, with the bytes
// pumped both ways by daemon threads. Sockets are made inside the instance's namespace by a
// short-lived thread that enters it (setns), so neither the daemon nor any process leaves the host's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "db/Records.h"

namespace lxdp::services {

class ProxyForwarder;

class ProxyDevices {
public:
    ProxyDevices();
    ~ProxyDevices();  // closes every listener and connection
    ProxyDevices(const ProxyDevices&) = delete;
    ProxyDevices& operator=(const ProxyDevices&) = delete;

    // BadRequest (naming the device) for a proxy device this daemon cannot run yet: udp, port
    // ranges, nat=true, proxy_protocol, security.uid/gid.
    static void check(const db::DeviceMap& devices);

    // Makes the forwarders of one running instance (key "<project>/<name>", init pid `pid`) match
    // its proxy devices: changed and removed devices stop listening, new ones start. A device
    // that cannot listen is a BadRequest; the others stay as they are.
    void sync(const std::string& key, int64_t pid, const db::DeviceMap& devices);
    // Stops every forwarder of the instance.
    void stop(const std::string& key);

private:
    std::mutex mutex_;
    // key -> device name -> forwarder
    std::map<std::string, std::map<std::string, std::unique_ptr<ProxyForwarder>>> running_;
};

}  // namespace lxdp::services
