#include "command.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace lxdp_cmd {

namespace {

int32_t append(void *ctx, const void *data, size_t len) {
    static_cast<std::string *>(ctx)->append(static_cast<const char *>(data), len);
    return 0;
}

Result run_fd(const lxdp_host_api *host, const std::vector<std::string> &argv, int in_fd, uint32_t timeout_ms) {
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
    lxdp_command cmd{sizeof(lxdp_command), timeout_ms, args.data(), nullptr, &out_sink, &err_sink, in_fd, 0};
    lxdp_error err{};
    err.struct_size = sizeof err;
    r.rc = host->run_command(host->host, &cmd, nullptr, &r.exit_status, &err);
    r.message = err.message;
    while (!r.err.empty() && (r.err.back() == '\n' || r.err.back() == ' '))
        r.err.pop_back();
    return r;
}

} // namespace

Result run(const lxdp_host_api *host, const std::vector<std::string> &argv, uint32_t timeout_ms) {
    return run_fd(host, argv, 0, timeout_ms);
}

Result run_with_input(const lxdp_host_api *host, const std::vector<std::string> &argv, const std::string &input,
                      uint32_t timeout_ms) {
    const int fd = memfd_create("lxdp-stdin", MFD_CLOEXEC);
    Result r;
    if (fd < 0 || write(fd, input.data(), input.size()) != static_cast<ssize_t>(input.size()) ||
        lseek(fd, 0, SEEK_SET) != 0) {
        if (fd >= 0)
            close(fd);
        r.rc = LXDP_E_IO;
        r.message = "cannot hold the input of " + argv.front();
        return r;
    }
    r = run_fd(host, argv, fd, timeout_ms);
    close(fd);
    return r;
}

const char *search_path() {
    const char *env = std::getenv("PATH");
    return env != nullptr && *env != '\0' ? env : "/usr/sbin:/usr/bin:/sbin:/bin";
}

std::string find_tool(const std::string &name) {
    std::istringstream dirs(search_path());
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (dir.empty() || dir.front() != '/') // relative entries would depend on the daemon's cwd
            continue;
        const std::string path = dir + "/" + name;
        struct stat st {};
        if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0)
            return path;
    }
    return {};
}

bool have_tool(const std::string &name) { return !find_tool(name).empty(); }

} // namespace lxdp_cmd
