#include "lxc_forkstart.h"

#include "command.h"

#include <dlfcn.h>

#include <cerrno>

#include <cstdlib>
#include <memory>

namespace lxdp_lxc {

namespace {

constexpr const char *kHelper = "lxdp-forkstart";
// liblxc's start returns once the container runs or failed; a helper still there after this is
// stuck, and is killed.
constexpr uint32_t kHelperTimeoutMs = 60000;

// The helper sits in the directory this plugin was loaded from, in the build tree and installed.
std::string helper_path() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<const void *>(&helper_path), &info) == 0 || info.dli_fname == nullptr)
        fail(LXDP_E_INTERNAL, "Cannot tell which file the instance-lxc plugin was loaded from");
    // Absolute: the host runs commands from "/".
    std::unique_ptr<char, decltype(&std::free)> so(realpath(info.dli_fname, nullptr), std::free);
    if (!so)
        fail_errno(errno, "Failed to resolve the instance-lxc plugin's path %s", info.dli_fname);
    std::string dir(so.get());
    dir.erase(dir.rfind('/'));
    return dir + "/" + kHelper;
}

} // namespace

bool forkstart(const Driver &drv, const InstanceView &inst, std::string &why) {
    const std::string helper = helper_path();
    if (access(helper.c_str(), X_OK) != 0)
        fail(LXDP_E_NOTSUP, "%s is missing: instance-lxc starts containers through it (reinstall lxdpp-instance-lxc)",
             helper.c_str());
    const lxdp_cmd::Result r = lxdp_cmd::run(drv.host(), {helper, inst.lxc_name(), drv.lxcpath()}, kHelperTimeoutMs);
    if (r.rc != LXDP_OK)
        why = r.shown + ": " + r.message;
    else
        why = r.err;
    return r.rc == LXDP_OK && r.exit_status == 0;
}

} // namespace lxdp_lxc
