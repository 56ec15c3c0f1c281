#include "plugins/NetworkDriver.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "plugins/AbiCall.h"

namespace lxdp::plugins {
namespace {

// A NetworkRef as the plugin sees it, valid while the NetworkRef lives.
class AbiNetwork {
public:
    explicit AbiNetwork(const NetworkRef& ref) : config_(ref.config) {
        net_ = lxdp_network{sizeof(lxdp_network), 0, ref.project.c_str(), ref.name.c_str(), config_.get()};
    }
    const lxdp_network* get() const { return &net_; }

private:
    KvList config_;
    lxdp_network net_;
};

std::string text(const char* s) { return s != nullptr ? s : ""; }

template <class T>
struct Collector {
    std::vector<T> items;
    AbiCall* call;
};

void addInterface(void* ctx, const lxdp_net_interface* iface) {
    auto* c = static_cast<Collector<NetInterface>*>(ctx);
    if (iface != nullptr) c->call->guard([&] { c->items.push_back(copyInterface(*iface)); });
}

void addLease(void* ctx, const lxdp_net_lease* lease) {
    auto* c = static_cast<Collector<NetLease>*>(ctx);
    if (lease == nullptr || !LXDP_HAS_FIELD(lease, lxdp_net_lease, type)) return;
    c->call->guard([&] {
        c->items.push_back(NetLease{text(lease->hostname), text(lease->hwaddr), text(lease->address), text(lease->type)});
    });
}

}  // namespace

NetInterface copyInterface(const lxdp_net_interface& iface) {
    NetInterface out;
    // LXDP_HAS_FIELD without its NULL test: a reference is never null.
    if (iface.struct_size < offsetof(lxdp_net_interface, addresses) + sizeof iface.addresses) return out;
    out.name = text(iface.name);
    out.hwaddr = text(iface.hwaddr);
    out.hostName = text(iface.host_name);
    out.state = text(iface.state);
    out.type = text(iface.type);
    out.mtu = iface.mtu;
    out.bytesReceived = iface.bytes_received;
    out.bytesSent = iface.bytes_sent;
    out.packetsReceived = iface.packets_received;
    out.packetsSent = iface.packets_sent;
    for (uint32_t i = 0; iface.addresses != nullptr && i < iface.n_addresses; ++i) {
        const auto& a = iface.addresses[i];
        if (!LXDP_HAS_FIELD(&a, lxdp_net_address, scope)) continue;
        out.addresses.push_back(NetAddress{text(a.family), text(a.address), text(a.netmask), text(a.scope)});
    }
    return out;
}

NetworkDriver::NetworkDriver(std::string name, const lxdp_network_ops& ops, const lxdp_host_api* host)
    : name_(std::move(name)), ops_{}, host_(host) {
    std::memcpy(&ops_, &ops, std::min<size_t>(ops.struct_size, sizeof ops_));
    ops_.struct_size = sizeof ops_;
    if (ops_.probe == nullptr) {
        usable_ = true;
        return;
    }
    AbiCall call(name_, "probe");
    try {
        call.check(ops_.probe(host_, call.err()));
        usable_ = true;
    } catch (const PluginError& e) {
        probeError_ = e.what();
    }
}

std::string NetworkDriver::version() const {
    const lxdp_network_info* info = ops_.info ? ops_.info() : nullptr;
    return info != nullptr && info->version != nullptr ? info->version : "";
}

void NetworkDriver::validate(const NetworkRef& net) const {
    AbiCall call(name_, "validate");
    AbiNetwork n(net);
    call.check(call.require(ops_.validate)(host_, n.get(), call.err()));
}

StringMap NetworkDriver::create(const NetworkRef& net) const {
    AbiCall call(name_, "create");
    AbiNetwork n(net);
    KvCollector out(call);
    call.check(call.require(ops_.create)(host_, n.get(), out.sink(), call.err()));
    return out.take();
}

void NetworkDriver::start(const NetworkRef& net) const {
    AbiCall call(name_, "start");
    AbiNetwork n(net);
    call.check(call.require(ops_.start)(host_, n.get(), call.err()));
}

void NetworkDriver::stop(const NetworkRef& net) const {
    AbiCall call(name_, "stop");
    AbiNetwork n(net);
    call.check(call.require(ops_.stop)(host_, n.get(), call.err()));
}

void NetworkDriver::update(const NetworkRef& old, const NetworkRef& updated) const {
    AbiCall call(name_, "update");
    AbiNetwork o(old), u(updated);
    call.check(call.require(ops_.update)(host_, o.get(), u.get(), call.err()));
}

void NetworkDriver::remove(const NetworkRef& net) const {
    AbiCall call(name_, "remove");
    AbiNetwork n(net);
    call.check(call.require(ops_.remove)(host_, n.get(), call.err()));
}

std::vector<NetInterface> NetworkDriver::state(const NetworkRef& net) const {
    AbiCall call(name_, "state");
    AbiNetwork n(net);
    Collector<NetInterface> out{{}, &call};
    lxdp_net_interface_sink sink{sizeof sink, 0, &addInterface, &out};
    call.check(call.require(ops_.state)(host_, n.get(), &sink, call.err()));
    return std::move(out.items);
}

std::vector<NetLease> NetworkDriver::leases(const NetworkRef& net) const {
    AbiCall call(name_, "leases");
    AbiNetwork n(net);
    Collector<NetLease> out{{}, &call};
    lxdp_net_lease_sink sink{sizeof sink, 0, &addLease, &out};
    call.check(call.require(ops_.leases)(host_, n.get(), &sink, call.err()));
    return std::move(out.items);
}

void NetworkDriver::staticLease(const NetworkRef& net, const std::string& owner,
                                const std::optional<NetLease>& lease) const {
    AbiCall call(name_, "static_lease");
    AbiNetwork n(net);
    lxdp_net_lease abiLease{};
    if (lease)
        abiLease = lxdp_net_lease{sizeof abiLease,          0, lease->hostname.c_str(), lease->hwaddr.c_str(),
                                  lease->address.c_str(), lease->type.c_str()};
    call.check(call.require(ops_.static_lease)(host_, n.get(), owner.c_str(), lease ? &abiLease : nullptr,
                                               call.err()));
}

}  // namespace lxdp::plugins
