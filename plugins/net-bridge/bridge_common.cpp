#include "bridge_common.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "command.h"

namespace lxdp_bridge {

namespace {

std::string host_config(const lxdp_host_api *host, const char *key) {
    if (host == nullptr || host->config_get == nullptr)
        return {};
    std::string buf(4096, '\0');
    size_t n = host->config_get(host->host, key, buf.data(), buf.size());
    if (n >= buf.size()) {
        buf.assign(n + 1, '\0');
        n = host->config_get(host->host, key, buf.data(), buf.size());
    }
    buf.resize(n < buf.size() ? n : buf.size() - 1);
    return buf;
}

[[noreturn]] void fail_errno(const std::string &what) {
    int err = errno;
    fail(err == ENOENT ? LXDP_E_NOTFOUND : LXDP_E_IO, what + ": " + std::strerror(err));
}

} // namespace

void fail(lxdp_status code, const std::string &message) { throw Failure(code, message); }

std::string Net::get(const std::string &key, const std::string &fallback) const {
    auto it = config.find(key);
    return it == config.end() || it->second.empty() ? fallback : it->second;
}

Net net_view(const lxdp_host_api *host, const lxdp_network *net) {
    if (host == nullptr || net == nullptr || net->name == nullptr || *net->name == '\0')
        fail(LXDP_E_INVAL, "Incomplete network description");
    Net out{host, net->name, {}, {}};
    // The name becomes an interface name, a path component and an nft table name.
    if (out.name.size() > 15 || out.name.front() == '-' || out.name.front() == '.' ||
        out.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
            std::string::npos)
        fail(LXDP_E_INVAL, "Invalid network name \"" + out.name +
                               "\": 1-15 letters, digits, '_', '.' or '-', not starting with '-' or '.'");
    const lxdp_kv_list *cfg = net->config;
    for (uint32_t i = 0; cfg != nullptr && cfg->items != nullptr && i < cfg->count; i++)
        if (cfg->items[i].key != nullptr)
            out.config[cfg->items[i].key] = cfg->items[i].value != nullptr ? cfg->items[i].value : "";
    const std::string var = host_config(host, LXDP_HOST_KEY_VAR_DIR);
    if (var.empty())
        fail(LXDP_E_INVAL, std::string("The host does not provide ") + LXDP_HOST_KEY_VAR_DIR);
    out.dir = var + "/networks/" + out.name;
    return out;
}

void log(const lxdp_host_api *host, uint32_t level, const std::string &msg) {
    if (host != nullptr && host->log != nullptr)
        host->log(host->host, level, msg.c_str());
}

std::string run(const lxdp_host_api *host, const std::vector<std::string> &argv, int *exit_status) {
    const lxdp_cmd::Result r = lxdp_cmd::run(host, argv);
    if (r.rc != LXDP_OK)
        fail(r.rc, "\"" + r.shown + "\": " + r.message);
    if (exit_status != nullptr)
        *exit_status = r.exit_status;
    else if (r.exit_status != 0)
        fail(LXDP_E_IO, "\"" + r.shown + "\" failed (exit " + std::to_string(r.exit_status) + "): " + r.err);
    return r.out;
}

std::vector<HostRoute> host_ipv4_routes() {
    std::vector<HostRoute> out;
    std::ifstream in("/proc/net/route");
    std::string line;
    std::getline(in, line); // header
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string iface, dst, gw, flags, refcnt, use, metric, mask;
        if (!(f >> iface >> dst >> gw >> flags >> refcnt >> use >> metric >> mask))
            continue;
        // The file shows the addresses in network byte order, printed as host integers.
        out.push_back({iface, ntohl(uint32_t(std::stoul(dst, nullptr, 16))), ntohl(uint32_t(std::stoul(mask, nullptr, 16)))});
    }
    return out;
}

bool exists(const std::string &path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

std::string read_file(const std::string &path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return "";
        fail_errno("Failed to read " + path);
    }
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        out.append(buf, size_t(n));
    }
    close(fd);
    return out;
}

void write_file(const std::string &path, const std::string &content, unsigned mode) {
    const std::string tmp = path + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        fail_errno("Failed to write " + tmp);
    size_t done = 0;
    while (done < content.size()) {
        ssize_t n = write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            fail_errno("Failed to write " + tmp);
        }
        done += size_t(n);
    }
    fchmod(fd, mode);
    close(fd);
    if (rename(tmp.c_str(), path.c_str()) != 0)
        fail_errno("Failed to rename " + tmp);
}

void make_dir(const std::string &path, unsigned mode) {
    if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST)
        fail_errno("Failed to create " + path);
}

void make_network_dir(const Net &net) {
    make_dir(net.dir.substr(0, net.dir.rfind('/')), 0711);
    make_dir(net.dir, 0711);
}

void remove_tree(const std::string &path) {
    struct stat st;
    if (lstat(path.c_str(), &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        if (DIR *d = opendir(path.c_str())) {
            while (dirent *e = readdir(d))
                if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                    remove_tree(path + "/" + e->d_name);
            closedir(d);
        }
        if (rmdir(path.c_str()) != 0 && errno != ENOENT)
            fail_errno("Failed to remove " + path);
    } else if (unlink(path.c_str()) != 0 && errno != ENOENT) {
        fail_errno("Failed to remove " + path);
    }
}

} // namespace lxdp_bridge
