#include "lxc_exec.h"

#include "lxc_driver.h"

#include <lxc/attach_options.h>
#include <lxc/lxccontainer.h>

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace lxdp_lxc {

namespace {

// What the attached child is given: the command, and the gate it waits at before running it.
struct AttachedCommand {
    lxc_attach_command_t cmd;
    int gate_read;
    int gate_write;
};

// Runs in the attached child: the daemon's fds without O_CLOEXEC (sockets, other instances'
// files) must not reach the container. CLOSE_RANGE_CLOEXEC leaves liblxc its fds until exec.
// Blocked and ignored signals survive exec: the daemon's threads block its control signals, it
// ignores SIGPIPE, and whoever started it may have left SIGINT and SIGQUIT ignored (a shell's
// background job). A command would be deaf to them or write on to a reader that is gone, so it
// starts with none blocked and every one at its default. It runs only once the daemon opens
// the gate, which it does when attach() succeeded (see attached_despite_failure): until then
// nothing of the user's has happened, and the process may be killed and the attach tried again.
int run_command(void *payload) {
    auto *attached = static_cast<AttachedCommand *>(payload);
    close(attached->gate_write);
    char go = 0;
    while (read(attached->gate_read, &go, 1) < 0 && errno == EINTR) {
    }
    if (go != 'g')
        _exit(127);
    close(attached->gate_read);
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL); // SIGKILL, SIGSTOP and the unused numbers refuse it, harmlessly
    return lxc_attach_run_command(&attached->cmd);
}

// This thread's children: liblxc's attached process is one (CLONE_PARENT of the transient
// process this thread forks).
std::set<pid_t> thread_children() {
    std::ifstream in("/proc/thread-self/children");
    std::set<pid_t> pids;
    for (pid_t pid; in >> pid;)
        pids.insert(pid);
    return pids;
}

// liblxc 5.0 sends an attached process's seccomp listener (a container whose policy notifies
// the daemon) and the transient process's pid of it on one socket; with no LSM label to wait
// for first (no AppArmor), the listener can come first (about one attach in 40 under load), and
// attach() then fails although the attached process lives on, its listener lost: the kernel
// would answer each of its intercepted system calls with ENOSYS. It is the one child this
// thread gained in attach(), still waiting at its gate; -1 when there is none (attach failed
// before it, or reaped it).
pid_t attached_despite_failure(const std::set<pid_t> &before) {
    const std::set<pid_t> after = thread_children();
    std::vector<pid_t> gained;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(gained));
    return gained.size() == 1 ? gained.front() : -1;
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C", so C++ cannot link against its wrappers.
int sys_pidfd_open(pid_t pid) { return int(syscall(SYS_pidfd_open, pid, 0)); }

int sys_pidfd_send_signal(int pidfd, int sig) { return int(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0)); }

std::string default_cwd(const lxdp_exec_request *req) {
    for (const char *const *e = req->envp; e != nullptr && *e != nullptr; e++)
        if (std::strncmp(*e, "HOME=", 5) == 0 && (*e)[5] == '/')
            return *e + 5;
    return "/";
}

} // namespace

int32_t ExecHandle::wait() {
    std::lock_guard<std::mutex> lock(mu_);
    if (exit_code_)
        return *exit_code_;
    siginfo_t info{};
    while (waitid(static_cast<idtype_t>(P_PIDFD), id_t(pidfd_.get()), &info, WEXITED) != 0) {
        if (errno != EINTR)
            fail_errno(errno, "Failed to wait for process %d", pid_);
    }
    exit_code_ = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
    return *exit_code_;
}

void ExecHandle::signal(int sig) {
    // No lock: a signal must get through while another thread blocks in wait().
    if (sys_pidfd_send_signal(pidfd_.get(), sig) != 0) {
        if (errno == ESRCH)
            fail(LXDP_E_NOTFOUND, "Process %d has already exited", pid_);
        fail_errno(errno, "Failed to send signal %d to process %d", sig, pid_);
    }
}

ExecHandle *exec_start(const Driver &drv, const InstanceView &inst, const lxdp_exec_request *req) {
    if (req == nullptr || req->argv == nullptr || req->argv[0] == nullptr)
        fail(LXDP_E_INVAL, "Missing command");
    Container c(drv, inst);
    require_running(c);
    if (std::strcmp(c->state(c.get()), "FROZEN") == 0)
        fail(LXDP_E_BUSY, "The instance is frozen");

    UniqueFd devnull;
    auto fd_or_null = [&](int32_t fd) {
        if (fd >= 0)
            return int(fd);
        if (!devnull)
            devnull.reset(open("/dev/null", O_RDWR | O_CLOEXEC));
        return devnull.get();
    };

    std::string cwd = req->cwd != nullptr && req->cwd[0] != '\0' ? req->cwd : default_cwd(req);
    lxc_attach_options_t opts = LXC_ATTACH_OPTIONS_DEFAULT;
    opts.env_policy = LXC_ATTACH_CLEAR_ENV;
    opts.extra_env_vars = const_cast<char **>(req->envp);
    opts.uid = req->uid;
    opts.gid = req->gid;
    opts.initial_cwd = cwd.data();
    opts.stdin_fd = fd_or_null(req->stdin_fd);
    opts.stdout_fd = fd_or_null(req->stdout_fd);
    opts.stderr_fd = fd_or_null(req->stderr_fd);

    AttachedCommand attached{};
    attached.cmd.program = const_cast<char *>(req->argv[0]);
    attached.cmd.argv = const_cast<char **>(req->argv);
    pid_t pid = -1;
    // Each try that liblxc botched is undone (the process never ran the command); three in a
    // row would be a liblxc that cannot attach here, not the race.
    for (int attempt = 1;; attempt++) {
        int gate[2];
        if (pipe2(gate, O_CLOEXEC) != 0)
            fail_errno(errno, "Failed to attach to %s", inst.lxc_name().c_str());
        UniqueFd gate_read(gate[0]), gate_write(gate[1]);
        attached.gate_read = gate[0];
        attached.gate_write = gate[1];
        const std::set<pid_t> children = thread_children();
        pid = -1;
        if (c->attach(c.get(), run_command, &attached, &opts, &pid) >= 0 && pid > 0) {
            if (write(gate_write.get(), "g", 1) != 1) {
                int e = errno;
                kill(pid, SIGKILL);
                waitpid(pid, nullptr, 0);
                fail_errno(e, "Failed to start %s in %s", req->argv[0], inst.lxc_name().c_str());
            }
            break;
        }
        pid = attached_despite_failure(children);
        if (pid <= 0)
            fail(LXDP_E_IO, "Failed to attach to %s to run %s", inst.lxc_name().c_str(), req->argv[0]);
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        if (attempt == 3)
            fail(LXDP_E_IO, "Failed to attach to %s to run %s: liblxc lost its seccomp listener %d times",
                 inst.lxc_name().c_str(), req->argv[0], attempt);
        drv.log(LXDP_LOG_WARN, "Instance %s: liblxc reported a failed attach with %s waiting as process %d; "
                "it is killed and the attach tried again", inst.lxc_name().c_str(), req->argv[0], pid);
    }

    // liblxc spawns the command with CLONE_PARENT: it is our child until we reap it, so the
    // pid cannot be recycled before pidfd_open.
    UniqueFd pidfd(sys_pidfd_open(pid));
    if (!pidfd) {
        int e = errno;
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        fail_errno(e, "Failed to track process %d in %s", pid, inst.lxc_name().c_str());
    }
    return new ExecHandle(pid, std::move(pidfd));
}

} // namespace lxdp_lxc
