#include "plugins/CommandRunner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "command.h"
#include "plugins/OperationContext.h"

namespace lxdp::plugins {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kTailBytes = 400;
// How often cancellation and the deadline are checked while the command runs.
constexpr int kTickMs = 100;
// The pause between exit checks once both pipes are closed: the child is usually exiting.
constexpr int kReapTickMs = 5;

// The tools are looked up in the daemon's PATH (lxdp_cmd::search_path), so that whoever starts it
// (a unit, a package, a test leaving a tool out) chooses them, as upstream's exec.LookPath does;
// posix_spawn takes the path found.
std::string resolve(const char* name) {
    return std::strchr(name, '/') != nullptr ? std::string(name) : lxdp_cmd::find_tool(name);
}

// The last bytes of a stream, for the error message.
class Tail {
public:
    void append(const char* data, size_t len) {
        text_.append(data, len);
        if (text_.size() > 2 * kTailBytes) text_.erase(0, text_.size() - kTailBytes);
    }
    std::string str() const {
        std::string out = text_.size() > kTailBytes ? text_.substr(text_.size() - kTailBytes) : text_;
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        return out;
    }

private:
    std::string text_;
};

// One output pipe of the child: where its bytes go and whether the reader still wants them.
struct Stream {
    ~Stream() { close(); }

    int fd = -1;
    const lxdp_byte_sink* sink = nullptr;
    Tail tail;
    bool refused = false;  // the sink asked us to stop

    void deliver(const char* data, size_t len) {
        if (sink == nullptr) tail.append(data, len);
        else if (!refused && sink->write(sink->ctx, data, len) != 0) refused = true;
    }
    // Reads what one poll said is there; closes the pipe at end-of-file or on error.
    void readOnce() {
        char buf[65536];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) deliver(buf, static_cast<size_t>(n));
        else if (n == 0 || errno != EINTR) close();
    }
    void close() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

class Child {
public:
    explicit Child(pid_t pid) : pid_(pid) {}
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (!reaped_) kill();
    }

    // The exit status once the child has ended (128+N for signal N), without blocking.
    std::optional<int32_t> poll() {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
        reaped_ = true;
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    }
    // The whole process group goes: helpers the command started would keep our pipes open.
    void kill() {
        ::kill(-pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
    }

private:
    pid_t pid_;
    bool reaped_ = false;
};

std::string describe(const lxdp_command& cmd) {
    std::string out;
    for (auto arg = cmd.argv; *arg != nullptr; ++arg) out += (out.empty() ? "" : " ") + std::string(*arg);
    return out;
}

// Starts the child with its stdout and stderr on the write ends of the pipes, its stdin on inFd
// (the caller's, dup'ed) or /dev/null.
lxdp_status spawn(const lxdp_command& cmd, const std::string& path, int inFd, int outFd, int errFd, pid_t* pid,
                  lxdp_error* err) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    if (inFd > 0) posix_spawn_file_actions_adddup2(&actions, inFd, 0);
    else posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, outFd, 1);
    posix_spawn_file_actions_adddup2(&actions, errFd, 2);
    posix_spawn_file_actions_addchdir_np(&actions, cmd.cwd != nullptr && *cmd.cwd != '\0' ? cmd.cwd : "/");
    // The daemon holds sockets and database files without O_CLOEXEC guarantees: close them all.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    // The daemon blocks its signals for a signal thread; the child must start with none blocked
    // and default dispositions. Its own process group lets a kill reach its helpers too.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

    const std::string pathVar = std::string("PATH=") + lxdp_cmd::search_path();
    const char* envp[] = {"LANG=C", pathVar.c_str(), nullptr};
    int rc = ::posix_spawn(pid, path.c_str(), &actions, &attr, const_cast<char* const*>(cmd.argv),
                           const_cast<char* const*>(envp));
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        return lxdp_error_set(err, LXDP_E_IO, "cannot start \"%s\": %s", describe(cmd).c_str(), std::strerror(rc));
    return LXDP_OK;
}

void setTail(lxdp_error* err, const std::string& text) {
    if (err != nullptr) std::snprintf(err->message, sizeof err->message, "%s", text.c_str());
}

}  // namespace

lxdp_status runCommand(const lxdp_command& cmd, lxdp_op* op, int32_t* exitStatus, lxdp_error* err) noexcept try {
    if (cmd.argv == nullptr || cmd.argv[0] == nullptr)
        return lxdp_error_set(err, LXDP_E_INVAL, "run_command: empty argv");
    const std::string path = resolve(cmd.argv[0]);
    if (path.empty())
        return lxdp_error_set(err, LXDP_E_NOTFOUND, "command \"%s\" not found in %s", cmd.argv[0], lxdp_cmd::search_path());

    // O_CLOEXEC: a command spawned concurrently by another thread must not inherit these.
    int outPipe[2], errPipe[2];
    if (::pipe2(outPipe, O_CLOEXEC) != 0) return lxdp_error_set(err, LXDP_E_IO, "pipe: %s", std::strerror(errno));
    if (::pipe2(errPipe, O_CLOEXEC) != 0) {
        int saved = errno;
        ::close(outPipe[0]);
        ::close(outPipe[1]);
        return lxdp_error_set(err, LXDP_E_IO, "pipe: %s", std::strerror(saved));
    }
    Stream streams[2];
    const lxdp_command* given = &cmd;  // the plugin's struct, maybe from an older minor
    streams[0].fd = outPipe[0];
    streams[0].sink = LXDP_HAS_FIELD(given, lxdp_command, out) ? cmd.out : nullptr;
    streams[1].fd = errPipe[0];
    streams[1].sink = LXDP_HAS_FIELD(given, lxdp_command, err_out) ? cmd.err_out : nullptr;

    // A plugin built before 1.3 has no in_fd: its commands read /dev/null.
    const int inFd = LXDP_HAS_FIELD(given, lxdp_command, in_fd) ? cmd.in_fd : 0;
    pid_t pid = -1;
    lxdp_status rc = spawn(cmd, path, inFd, outPipe[1], errPipe[1], &pid, err);
    ::close(outPipe[1]);
    ::close(errPipe[1]);
    if (rc != LXDP_OK) return rc;
    Child child(pid);

    const auto deadline = Clock::now() + std::chrono::milliseconds(cmd.timeout_ms);
    std::optional<int32_t> status;
    while (!status) {
        pollfd fds[2];
        nfds_t n = 0;
        for (auto& s : streams)
            if (s.fd >= 0) fds[n++] = pollfd{s.fd, POLLIN, 0};
        int waitMs = n > 0 ? kTickMs : kReapTickMs;
        if (cmd.timeout_ms != 0) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            waitMs = static_cast<int>(std::clamp<long long>(left, 0, waitMs));
        }
        if (::poll(fds, n, waitMs) > 0) {
            for (nfds_t i = 0; i < n; ++i)
                if (fds[i].revents != 0)
                    for (auto& s : streams)
                        if (s.fd == fds[i].fd) s.readOnce();
        }

        if ((status = child.poll())) break;
        if (op != nullptr && op->ctx != nullptr && op->ctx->cancelled()) {
            child.kill();
            return lxdp_error_set(err, LXDP_E_CANCELLED, "\"%s\" was cancelled", describe(cmd).c_str());
        }
        if (cmd.timeout_ms != 0 && Clock::now() >= deadline) {
            child.kill();
            return lxdp_error_set(err, LXDP_E_IO, "\"%s\" timed out after %u ms", describe(cmd).c_str(),
                                  cmd.timeout_ms);
        }
        if (streams[0].refused || streams[1].refused) {
            child.kill();
            return lxdp_error_set(err, LXDP_E_CANCELLED, "\"%s\" was stopped: its output is no longer wanted",
                                  describe(cmd).c_str());
        }
    }
    // What the child wrote before it ended; helpers it left behind may hold the pipes open, so
    // take what is there rather than waiting for end-of-file.
    for (auto& s : streams) {
        pollfd pfd{s.fd, POLLIN, 0};
        while (s.fd >= 0 && ::poll(&pfd, 1, 0) > 0) s.readOnce();
    }
    if (exitStatus != nullptr) *exitStatus = *status;
    if (streams[1].sink == nullptr) {
        std::string tail = streams[1].tail.str();
        if (tail.empty() && streams[0].sink == nullptr) tail = streams[0].tail.str();
        setTail(err, tail);
    }
    return LXDP_OK;
} catch (const std::exception& e) {
    return lxdp_error_set(err, LXDP_E_INTERNAL, "run_command: %s", e.what());
}

}  // namespace lxdp::plugins
