#include "firewall.h"

#include <sstream>

#include "command.h"

namespace lxdp_fw {

namespace {

const char *restore_tool(int family) { return family == 6 ? "ip6tables-restore" : "iptables-restore"; }
const char *save_tool(int family) { return family == 6 ? "ip6tables-save" : "iptables-save"; }

[[noreturn]] void fail(const lxdp_cmd::Result &r) {
    if (r.rc != LXDP_OK)
        throw Error(r.rc, "\"" + r.shown + "\": " + r.message);
    throw Error(LXDP_E_IO, "\"" + r.shown + "\" failed (exit " + std::to_string(r.exit_status) + "): " + r.err);
}

} // namespace

Backend backend() {
    static const Backend chosen = lxdp_cmd::have_tool("nft")        ? Backend::nftables
                                  : lxdp_cmd::have_tool("iptables") ? Backend::xtables
                                                                    : Backend::none;
    return chosen;
}

const char *backend_name(Backend b) {
    switch (b) {
    case Backend::nftables: return "nftables";
    case Backend::xtables: return "xtables";
    default: return "none";
    }
}

std::string missing(const std::string &feature) {
    return "No firewall is installed: " + feature +
           " needs nft (package nftables) or iptables (package iptables) on the daemon's PATH";
}

std::string comment(const std::string &what) { return "generated for LXD " + what; }

std::string delete_tagged(const std::string &saved, const std::string &comment) {
    const std::string tag = "--comment \"" + comment + "\"";
    std::istringstream in(saved);
    std::string out, table, deletions;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind('*', 0) == 0) {
            table = line;
        } else if (line == "COMMIT") {
            if (!deletions.empty())
                out += table + "\n" + deletions + "COMMIT\n";
            deletions.clear();
        } else if (line.rfind("-A ", 0) == 0) {
            const size_t at = line.find(tag);
            const size_t end = at + tag.size();
            if (at != std::string::npos && (end == line.size() || line[end] == ' '))
                deletions += "-D " + line.substr(3) + "\n";
        }
    }
    return out;
}

void xtables_replace(const lxdp_host_api *host, int family, const std::string &comment, const std::string &rules) {
    // Another writer may change a table between the save and the load, failing the deletion of
    // a rule it moved: a second round works from what is there then.
    for (int round = 0;; round++) {
        const auto saved = lxdp_cmd::run(host, {save_tool(family)});
        if (saved.rc != LXDP_OK || saved.exit_status != 0)
            fail(saved);
        const std::string load = delete_tagged(saved.out, comment) + rules;
        if (load.empty())
            return;
        const auto r = lxdp_cmd::run_with_input(host, {restore_tool(family), "-w", "--noflush"}, load);
        if (r.rc == LXDP_OK && r.exit_status == 0)
            return;
        if (round == 1)
            fail(r);
    }
}

} // namespace lxdp_fw
