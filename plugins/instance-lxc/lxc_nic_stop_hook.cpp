// What a NIC sets up on the host outside its own interfaces (the nftables table of
// security.*_filtering, routes through a bridge, a routed NIC's proxy entries on its parent, an
// SR-IOV VF's settings on its PF and the address of a host interface that went in) is
// undone by a script of its own, nic-undo/<device> in the container's directory, written before
// that setup begins. The container's stop hook runs every such script and removes it, so the undo
// happens whenever the container stops, the daemon asked for it or not, and covers the NICs
// hot-plugged since the start as well as those of the start (liblxc reads its hooks at start
// only, so the hook is always installed and finds the scripts when it runs). A NIC removed from
// the running container runs its own script. The daemon runs the hook too where it may not have
// run (a failed start, after a stop, before the instance's removal). Every command in a script
// undoes something that may be gone already, so each may fail without stopping the others.
#include "lxc_nic.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace lxdp_lxc {

namespace {

constexpr const char *kStopHook = "/nic-stop-hook";
constexpr const char *kUndoDir = "/nic-undo";

std::vector<std::vector<std::string>> undo_commands(const Nic &nic) {
    auto out = nic_filter_undo(nic);
    for (auto &argv : nic_route_undo(nic))
        out.push_back(std::move(argv));
    for (auto &argv : nic_routed_undo(nic))
        out.push_back(std::move(argv));
    for (auto &argv : nic_bridge_undo(nic))
        out.push_back(std::move(argv));
    if (nic.type->undo != nullptr)
        for (auto &argv : nic.type->undo(nic))
            out.push_back(std::move(argv));
    return out;
}

std::string shell_quote(const std::string &s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Device names may hold '/', which no other character of theirs is turned into.
std::string undo_path(const Driver &drv, const InstanceView &inst, const std::string &device) {
    std::string file = device;
    for (char &c : file)
        if (c == '/')
            c = '%';
    return drv.container_dir(inst) + kUndoDir + "/" + file;
}

void remove_file(const std::string &path) {
    if (unlink(path.c_str()) != 0 && errno != ENOENT)
        fail_errno(errno, "Failed to remove %s", path.c_str());
}

// The hook: liblxc appends its own arguments (the container's name, ...), which it ignores. It
// runs in liblxc's monitor, whose PATH is whatever the daemon's was.
void write_hook(const Driver &drv, const InstanceView &inst) {
    const std::string dir = drv.container_dir(inst);
    if (mkdir((dir + kUndoDir).c_str(), 0700) != 0 && errno != EEXIST)
        fail_errno(errno, "Failed to create %s%s", dir.c_str(), kUndoDir);
    write_file(dir + kStopHook,
               "#!/bin/sh\n# Undoes the host-side NIC setup of " + inst.lxc_name() +
                   " when it stops: one script per NIC.\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\nfor f in " +
                   shell_quote(dir + kUndoDir) + "/*; do\n  [ -f \"$f\" ] || continue\n  /bin/sh \"$f\"\n  rm -f \"$f\"\ndone\nexit 0\n",
               0700);
}

} // namespace

NetKeys nic_stop_hook_keys(const Driver &drv, const InstanceView &inst) {
    return {{"lxc.hook.stop", drv.container_dir(inst) + kStopHook}};
}

void prepare_nic_undo(const Driver &drv, const InstanceView &inst, const std::vector<Nic> &nics) {
    write_hook(drv, inst);
    // What an earlier start left was undone by its stop: its scripts have no more to do.
    const std::string dir = drv.container_dir(inst) + kUndoDir;
    if (DIR *d = opendir(dir.c_str())) {
        std::unique_ptr<DIR, int (*)(DIR *)> guard(d, closedir);
        while (struct dirent *de = readdir(d))
            if (de->d_name[0] != '.')
                remove_file(dir + "/" + de->d_name);
    }
    for (const Nic &nic : nics)
        write_nic_undo(drv, inst, nic);
}

void write_nic_undo(const Driver &drv, const InstanceView &inst, const Nic &nic) {
    write_hook(drv, inst);
    const std::string path = undo_path(drv, inst, nic.device);
    const auto commands = undo_commands(nic);
    if (commands.empty()) {
        remove_file(path);
        return;
    }
    std::string script = "# Undoes the host-side setup of NIC " + nic.device + ".\n";
    for (const auto &argv : commands) {
        for (const std::string &arg : argv)
            script += shell_quote(arg) + " ";
        script += "2>/dev/null\n";
    }
    write_file(path, script + "exit 0\n", 0600);
}

void run_nic_undo(const Driver &drv, const InstanceView &inst, const std::string &device) {
    const std::string path = undo_path(drv, inst, device);
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        return;
    run_host(drv, {"/bin/sh", path});
    remove_file(path);
}

void run_nic_stop_hook(const Driver &drv, const InstanceView &inst) {
    const std::string path = drv.container_dir(inst) + kStopHook;
    struct stat st;
    if (stat(path.c_str(), &st) == 0)
        run_host(drv, {"/bin/sh", path});
}

} // namespace lxdp_lxc
