#include "command.h"

#include <unistd.h>

namespace lxdp_cmd {

namespace {

int32_t append(void *ctx, const void *data, size_t len) {
    static_cast<std::string *>(ctx)->append(static_cast<const char *>(data), len);
    return 0;
}

} // namespace

Result run(const lxdp_host_api *host, const std::vector<std::string> &argv, uint32_t timeout_ms) {
    Result r;
    for (const auto &a : argv)
        r.shown += (r.shown.empty() ? "" : " ") + a;
    if (host == nullptr || host->run_command == nullptr) {
        r.rc = LXDP_E_NOTSUP;
        r.message = "the host cannot run commands";
        return r;
    }
    std::vector<const char *> args;
    for (const auto &a : argv)
        args.push_back(a.c_str());
    args.push_back(nullptr);
    lxdp_byte_sink out_sink{sizeof(lxdp_byte_sink), 0, append, &r.out};
    lxdp_byte_sink err_sink{sizeof(lxdp_byte_sink), 0, append, &r.err};
    lxdp_command cmd{sizeof(lxdp_command), timeout_ms, args.data(), nullptr, &out_sink, &err_sink, 0, 0};
    lxdp_error err{};
    err.struct_size = sizeof err;
    r.rc = host->run_command(host->host, &cmd, nullptr, &r.exit_status, &err);
    r.message = err.message;
    while (!r.err.empty() && (r.err.back() == '\n' || r.err.back() == ' '))
        r.err.pop_back();
    return r;
}

bool have_tool(const std::string &name) {
    for (const char *dir : {"/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"})
        if (access((dir + name).c_str(), X_OK) == 0)
            return true;
    return false;
}

} // namespace lxdp_cmd
