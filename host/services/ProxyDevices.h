// Proxy devices of running instances. In forwarder mode (nat=false) a device has a listening
// socket per listen port on one side (the host's network namespace, or the instance's with
// bind=instance) and, per accepted tcp/unix connection or per udp peer, a socket on the other
// side, with the bytes pumped both ways by daemon threads; proxy_protocol=true sends a PROXY v2
// header naming the client first. Sockets are made inside the instance's namespace by a
// short-lived thread that enters it (setns), so neither the daemon nor any process leaves the
// host's. The connecting side uses security.uid/security.gid: in the instance, as the instance's
// own ids (root by default), on the host only when they are set. With nat=true the device is
// DNAT rules instead (ProxyNat, nftables or xtables).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "db/Records.h"

namespace lxdp::services {

class RunningProxy;

class ProxyDevices {
public:
    ProxyDevices();
    ~ProxyDevices();  // closes every listener and connection
    ProxyDevices(const ProxyDevices&) = delete;
    ProxyDevices& operator=(const ProxyDevices&) = delete;

    // BadRequest (naming the device) for a proxy device this daemon cannot run (checkProxyDevice).
    static void check(const db::DeviceMap& devices);

    // Makes the forwarders of one running instance (key "<project>/<name>", init pid `pid`) match
    // its proxy devices: changed and removed devices stop listening, new ones start. A device
    // that cannot listen is a BadRequest; the others stay as they are.
    void sync(const std::string& key, int64_t pid, const db::DeviceMap& devices);
    // Stops every forwarder of the instance.
    void stop(const std::string& key);
    // Stops the forwarders of the instance that serve the init pid (which ended).
    void stopFor(const std::string& key, int64_t pid);

private:
    std::mutex mutex_;
    // key -> device name -> forwarder
    std::map<std::string, std::map<std::string, std::unique_ptr<RunningProxy>>> running_;
};

}  // namespace lxdp::services
