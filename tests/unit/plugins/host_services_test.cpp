// The services table plugins receive: logging, config lookup and run_command's policy.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "plugin_test_support.h"
#include "plugins/HostServices.h"
#include "plugins/OperationContext.h"

namespace lxdp::plugins {
namespace {

struct Result {
    lxdp_status rc;
    int32_t exitStatus;
    std::string message;  // err.message
    std::string out;      // through the out sink, when asked for
};

class HostServicesTest : public ::testing::Test {
protected:
    Result run(std::vector<const char*> argv, uint32_t timeoutMs = 0, bool captureOut = false, lxdp_op* op = nullptr,
               const char* cwd = nullptr) {
        argv.push_back(nullptr);
        Result r{LXDP_OK, -1, "", ""};
        lxdp_byte_sink sink{sizeof(lxdp_byte_sink), 0,
                            [](void* ctx, const void* data, size_t len) -> int32_t {
                                static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), len);
                                return 0;
                            },
                            &r.out};
        lxdp_command cmd{sizeof(lxdp_command), timeoutMs, argv.data(), cwd, captureOut ? &sink : nullptr, nullptr, 0, 0};
        lxdp_error err{};
        err.struct_size = sizeof err;
        r.rc = api->run_command(api->host, &cmd, op, &r.exitStatus, &err);
        r.message = err.message;
        return r;
    }

    HostServices services;
    const lxdp_host_api* api = services.apiFor("test-plugin");
};

TEST_F(HostServicesTest, TableAnnouncesThisAbi) {
    EXPECT_EQ(api->struct_size, sizeof(lxdp_host_api));
    EXPECT_EQ(api->abi_major, static_cast<uint32_t>(LXDP_ABI_MAJOR));
    EXPECT_EQ(api->abi_minor, static_cast<uint32_t>(LXDP_ABI_MINOR));
}

TEST_F(HostServicesTest, LogNamesThePlugin) {
    test::LogCapture log;
    api->log(api->host, LXDP_LOG_WARN, "pool p1 is degraded");
    EXPECT_EQ(log.find("pool p1 is degraded", Poco::Message::PRIO_WARNING), "test-plugin: pool p1 is degraded");
    const lxdp_host_api* other = services.apiFor("other");
    other->log(other->host, LXDP_LOG_DEBUG, "hello");
    EXPECT_EQ(log.find("hello", Poco::Message::PRIO_DEBUG), "other: hello");
}

TEST_F(HostServicesTest, ConfigGetHasSnprintfSemantics) {
    EXPECT_EQ(api->config_get(api->host, LXDP_HOST_KEY_VAR_DIR, nullptr, 0), 0u);  // no lookup yet
    services.setConfigLookup([](const std::string& key) -> std::optional<std::string> {
        if (key == LXDP_HOST_KEY_VAR_DIR) return "/var/lib/lxdp";
        return std::nullopt;
    });
    char buf[64];
    EXPECT_EQ(api->config_get(api->host, LXDP_HOST_KEY_VAR_DIR, buf, sizeof buf), 13u);
    EXPECT_STREQ(buf, "/var/lib/lxdp");
    char small[5];
    EXPECT_EQ(api->config_get(api->host, LXDP_HOST_KEY_VAR_DIR, small, sizeof small), 13u);
    EXPECT_STREQ(small, "/var");
    EXPECT_EQ(api->config_get(api->host, "core.https_address", buf, sizeof buf), 0u);
}

TEST_F(HostServicesTest, ReportsExitCodes) {
    auto r = run({"sh", "-c", "exit 3"});
    EXPECT_EQ(r.rc, LXDP_OK);
    EXPECT_EQ(r.exitStatus, 3);
    EXPECT_EQ(run({"true"}).exitStatus, 0);
    EXPECT_EQ(run({"sh", "-c", "kill -KILL $$"}).exitStatus, 128 + SIGKILL);
}

TEST_F(HostServicesTest, StderrTailGoesIntoTheMessage) {
    auto r = run({"sh", "-c", "echo 'no such pool' >&2; exit 1"});
    EXPECT_EQ(r.rc, LXDP_OK);
    EXPECT_EQ(r.exitStatus, 1);
    EXPECT_EQ(r.message, "no such pool");

    auto ok = run({"sh", "-c", "echo warning >&2"});
    EXPECT_EQ(ok.exitStatus, 0);
    EXPECT_EQ(ok.message, "warning");  // even on success

    auto longErr = run({"sh", "-c", "i=0; while [ $i -lt 200 ]; do printf 'line%03d\\n' $i >&2; i=$((i+1)); done"});
    EXPECT_LE(longErr.message.size(), 400u);
    EXPECT_NE(longErr.message.find("line199"), std::string::npos);
    EXPECT_EQ(longErr.message.find("line000"), std::string::npos);
}

TEST_F(HostServicesTest, StdoutGoesToTheSink) {
    auto r = run({"echo", "hello"}, 0, true);
    EXPECT_EQ(r.out, "hello\n");
    EXPECT_EQ(r.message, "");
}

TEST_F(HostServicesTest, FixedEnvironmentCwdAndStdin) {
    // Commands are looked up in the daemon's PATH (its absolute entries), which they also get;
    // without one, in /usr/sbin:/usr/bin:/sbin:/bin.
    const std::string saved = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
    ::setenv("PATH", "relative/bin:/nonexistent:/usr/bin:/bin", 1);
    auto env = run({"sh", "-c", "echo \"$LANG|$PATH|$HOME\""}, 0, true);
    EXPECT_EQ(env.out, "C|relative/bin:/nonexistent:/usr/bin:/bin|\n");
    ::setenv("PATH", "/nonexistent", 1);
    EXPECT_EQ(run({"sh", "-c", "true"}, 0, true).rc, LXDP_E_NOTFOUND);
    ::unsetenv("PATH");
    EXPECT_EQ(run({"sh", "-c", "echo \"$PATH\""}, 0, true).out, "/usr/sbin:/usr/bin:/sbin:/bin\n");
    ::setenv("PATH", saved.c_str(), 1);
    EXPECT_EQ(run({"pwd"}, 0, true).out, "/\n");
    EXPECT_EQ(run({"pwd"}, 0, true, nullptr, "/tmp").out, "/tmp\n");
    auto cat = run({"cat"}, 2000, true);  // stdin is /dev/null: ends at once
    EXPECT_EQ(cat.rc, LXDP_OK);
    EXPECT_EQ(cat.out, "");
}

TEST_F(HostServicesTest, InFdIsTheCommandsStdin) {
    // ABI 1.3: the command reads the caller's fd (a pipe here, as btrfs receive does) as its
    // stdin, and the caller keeps it.
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    ASSERT_EQ(::write(fds[1], "streamed\n", 9), 9);
    ::close(fds[1]);
    const char* argv[] = {"sh", "-c", "cat; echo done", nullptr};
    std::string out;
    lxdp_byte_sink sink{sizeof(lxdp_byte_sink), 0,
                        [](void* ctx, const void* data, size_t len) -> int32_t {
                            static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), len);
                            return 0;
                        },
                        &out};
    lxdp_command cmd{};
    cmd.struct_size = sizeof cmd;
    cmd.argv = argv;
    cmd.out = &sink;
    cmd.in_fd = fds[0];
    lxdp_error err{};
    err.struct_size = sizeof err;
    int32_t status = -1;
    EXPECT_EQ(api->run_command(api->host, &cmd, nullptr, &status, &err), LXDP_OK);
    EXPECT_EQ(status, 0);
    EXPECT_EQ(out, "streamed\ndone\n");
    EXPECT_EQ(::fcntl(fds[0], F_GETFD), FD_CLOEXEC);  // still the caller's
    ::close(fds[0]);
}

TEST_F(HostServicesTest, NoDaemonFdLeaksIntoTheChild) {
    // Deliberately without O_CLOEXEC, like a careless socket, and above what a shell or ls uses.
    int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fd = ::dup2(raw, 77);
    ::close(raw);
    ASSERT_EQ(fd, 77);
    std::string probe = "ls /proc/$$/fd";
    auto r = run({"sh", "-c", probe.c_str()}, 0, true);
    ::close(fd);
    EXPECT_EQ(r.out.rfind("0\n1\n", 0), 0u) << r.out;
    EXPECT_EQ(r.out.find("77\n"), std::string::npos) << r.out;
}

TEST_F(HostServicesTest, ChildStartsWithSignalsUnblocked) {
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, &old);  // like the daemon's signal thread set-up
    auto r = run({"sh", "-c", "kill -TERM $$; sleep 5"}, 10000);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    EXPECT_EQ(r.exitStatus, 128 + SIGTERM);
}

TEST_F(HostServicesTest, TimeoutKillsTheCommandAndItsHelpers) {
    auto start = std::chrono::steady_clock::now();
    auto r = run({"sh", "-c", "sleep 30 & sleep 30"}, 300);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.rc, LXDP_E_IO);
    EXPECT_NE(r.message.find("timed out after 300 ms"), std::string::npos) << r.message;
    EXPECT_LT(took, std::chrono::seconds(3));
}

TEST_F(HostServicesTest, MissingCommandIsNotFound) {
    auto r = run({"lxdp-no-such-command"});
    EXPECT_EQ(r.rc, LXDP_E_NOTFOUND);
    EXPECT_NE(r.message.find("lxdp-no-such-command"), std::string::npos);
}

struct FakeOperation : OperationContext {
    void progress(const lxdp_progress& p) override { lastPercent = p.percent; }
    bool cancelled() const override { return cancel; }
    std::atomic<bool> cancel{false};
    int lastPercent = -2;
};

TEST_F(HostServicesTest, CancellationKillsTheCommand) {
    FakeOperation operation;
    lxdp_op op{&operation};
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        operation.cancel = true;
    });
    auto start = std::chrono::steady_clock::now();
    auto r = run({"sleep", "30"}, 0, false, &op);
    canceller.join();
    EXPECT_EQ(r.rc, LXDP_E_CANCELLED);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
    EXPECT_NE(api->op_cancelled(&op), 0);
    EXPECT_EQ(api->op_cancelled(nullptr), 0);
}

TEST_F(HostServicesTest, ProgressReachesTheOperation) {
    FakeOperation operation;
    lxdp_op op{&operation};
    lxdp_progress p{sizeof(lxdp_progress), 42, "unpack", 42, 100};
    api->op_progress(&op, &p);
    EXPECT_EQ(operation.lastPercent, 42);
    api->op_progress(nullptr, &p);  // ignored
}

TEST_F(HostServicesTest, ConcurrentCommandsKeepTheirOutputApart) {
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&, i] {
            std::string n = std::to_string(i);
            if (run({"echo", n.c_str()}, 5000, true).out == n + "\n") ++good;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(good, 8);
}

}  // namespace
}  // namespace lxdp::plugins
