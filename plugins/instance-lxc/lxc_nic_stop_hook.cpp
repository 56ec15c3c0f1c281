// What the NICs of a start set up on the host outside their own interfaces (the nftables tables
// of security.*_filtering, routes through a bridge, a routed NIC's proxy entries on its parent)
// is undone by one script in the container's
// directory. liblxc runs it as the container's stop hook, so it runs whenever the container
// stops, the daemon asked for it or not; the daemon runs it too where the hook may not have run
// (a failed start, after a stop, before the instance's removal). Every command in it undoes
// something that may be gone already, so each may fail without stopping the others.
#include "lxc_nic.h"

#include <sys/stat.h>

#include <cerrno>

namespace lxdp_lxc {

namespace {

constexpr const char *kStopHook = "/nic-stop-hook";

std::vector<std::vector<std::string>> undo_commands(const Driver &drv, const InstanceView &inst,
                                                    const std::vector<Nic> &nics) {
    auto out = nic_filter_undo(drv, inst, nics);
    for (const Nic &nic : nics)
        for (auto &argv : nic_route_undo(nic))
            out.push_back(std::move(argv));
    for (const Nic &nic : nics)
        for (auto &argv : nic_routed_undo(nic))
            out.push_back(std::move(argv));
    return out;
}

std::string shell_quote(const std::string &s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace

NetKeys nic_stop_hook_keys(const Driver &drv, const InstanceView &inst, const std::vector<Nic> &nics) {
    if (undo_commands(drv, inst, nics).empty())
        return {};
    return {{"lxc.hook.stop", drv.container_dir(inst) + kStopHook}};
}

void write_nic_stop_hook(const Driver &drv, const InstanceView &inst, const std::vector<Nic> &nics) {
    const std::string path = drv.container_dir(inst) + kStopHook;
    const auto commands = undo_commands(drv, inst, nics);
    if (commands.empty()) {
        if (unlink(path.c_str()) != 0 && errno != ENOENT)
            fail_errno(errno, "Failed to remove %s", path.c_str());
        return;
    }
    // liblxc appends its own arguments (the container's name, ...): the script ignores them. It
    // runs in liblxc's monitor, whose PATH is whatever the daemon's was.
    std::string script = "#!/bin/sh\n# Undoes the host-side NIC setup of " + inst.lxc_name() +
                         " when it stops.\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n";
    for (const auto &argv : commands) {
        for (const std::string &arg : argv)
            script += shell_quote(arg) + " ";
        script += "2>/dev/null\n";
    }
    write_file(path, script + "exit 0\n", 0700);
}

void run_nic_stop_hook(const Driver &drv, const InstanceView &inst) {
    const std::string path = drv.container_dir(inst) + kStopHook;
    struct stat st;
    if (stat(path.c_str(), &st) == 0)
        run_host(drv, {"/bin/sh", path});
}

} // namespace lxdp_lxc
