#include "plugins/DaemonFirewall.h"

#include <stdexcept>

#include "firewall.h"
#include "plugins/CommandRunner.h"

namespace lxdp::plugins {
namespace {

lxdp_status runForDaemon(lxdp_host*, const lxdp_command* cmd, lxdp_op* op, int32_t* exitStatus, lxdp_error* err) {
    return runCommand(*cmd, op, exitStatus, err);
}

// Only run_command: what the shared xtables helpers use.
const lxdp_host_api kDaemonCommands{sizeof(lxdp_host_api), LXDP_ABI_MAJOR, LXDP_ABI_MINOR, 0, nullptr,
                                    nullptr, nullptr, &runForDaemon, nullptr, nullptr};

}  // namespace

FirewallBackend firewallBackend() {
    switch (lxdp_fw::backend()) {
    case lxdp_fw::Backend::nftables: return FirewallBackend::nftables;
    case lxdp_fw::Backend::xtables: return FirewallBackend::xtables;
    default: return FirewallBackend::none;
    }
}

const char* firewallName() { return lxdp_fw::backend_name(lxdp_fw::backend()); }

std::string firewallMissing(const std::string& feature) { return lxdp_fw::missing(feature); }

std::string xtablesComment(const std::string& what) { return lxdp_fw::comment(what); }

void xtablesReplace(int family, const std::string& comment, const std::string& rules) {
    try {
        lxdp_fw::xtables_replace(&kDaemonCommands, family, comment, rules);
    } catch (const lxdp_fw::Error& e) {
        throw std::runtime_error(e.message);
    }
}

}  // namespace lxdp::plugins
