// lxd: the daemon and its subcommands, with upstream's command line.
#include <grp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "daemon/Daemon.h"
#include "daemon/Init.h"
#include "daemon/LocalClient.h"
#include "daemon/Paths.h"
#include "daemon/Recover.h"
#include "exe_seal.h"
#include "services/MigrationRsync.h"

namespace {

void usage() {
    std::cout << "Usage: lxd [--group GROUP] [--logfile FILE] [--debug] [--verbose]\n"
                 "       lxd waitready [--timeout SECONDS]\n"
                 "       lxd shutdown [--timeout SECONDS]\n"
                 "       lxd init [--preseed | --auto | --dump]\n"
                 "       lxd sql <local|global> <query|.dump|.schema|.sync|->\n"
                 "       lxd recover\n"
                 "       lxd version\n";
}

std::string socketPath() { return lxdp::daemon::defaultVarDir() + "/unix.socket"; }

int waitReady(int timeoutSec) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSec);
    while (timeoutSec <= 0 || std::chrono::steady_clock::now() < deadline) {
        if (lxdp::daemon::localRequest(socketPath(), "GET", "/internal/ready", nullptr, 5) == 200) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::cerr << "Error: Daemon still not running after " << timeoutSec << "s timeout" << std::endl;
    return 1;
}

int shutdownDaemon(int timeoutSec) {
    if (lxdp::daemon::localRequest(socketPath(), "PUT", "/internal/shutdown") != 200) {
        std::cerr << "Error: the daemon is not running" << std::endl;
        return 1;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSec);
    while (std::chrono::steady_clock::now() < deadline) {
        if (lxdp::daemon::localRequest(socketPath(), "GET", "/internal/ready", nullptr, 1) == 0) return 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::cerr << "Error: the daemon did not stop within " << timeoutSec << "s" << std::endl;
    return 1;
}

void printTable(const nlohmann::json& result) {
    const auto& columns = result["columns"];
    std::vector<size_t> width;
    for (const auto& c : columns) width.push_back(c.get<std::string>().size());
    for (const auto& row : result["rows"])
        for (size_t i = 0; i < row.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], row[i].get<std::string>().size());
    auto rule = [&] {
        for (size_t w : width) std::cout << "+" << std::string(w + 2, '-');
        std::cout << "+\n";
    };
    auto line = [&](const nlohmann::json& cells) {
        for (size_t i = 0; i < width.size(); ++i) {
            std::string v = cells[i].get<std::string>();
            std::cout << "| " << v << std::string(width[i] - v.size() + 1, ' ');
        }
        std::cout << "|\n";
    };
    rule();
    line(columns);
    rule();
    for (const auto& row : result["rows"]) line(row);
    rule();
}

// lxd sql <local|global> <query|.dump|.schema|->: there is one database; both names reach it.
int runSql(const std::vector<std::string>& args) {
    if (args.size() != 2 || (args[0] != "local" && args[0] != "global")) {
        std::cerr << "Usage: lxd sql <local|global> <query>   (\"-\" reads the query from stdin)" << std::endl;
        return 1;
    }
    std::string query = args[1];
    if (query == "-") query.assign(std::istreambuf_iterator<char>(std::cin), {});
    try {
        lxdp::daemon::LocalApi api(socketPath());
        auto result = api.call("POST", "/internal/sql", {{"database", args[0]}, {"query", query}});
        if (result["type"] == "dump") {
            std::cout << result["text"].get<std::string>();
            return 0;
        }
        // Upstream's batch output: each result, numbered when there are several.
        const auto& results = result["results"];
        for (size_t i = 0; i < results.size(); ++i) {
            if (results.size() > 1) std::cout << "=> Query " << i << ":\n\n";
            if (results[i]["type"] == "select") printTable(results[i]);
            else std::cout << "Rows affected: " << results[i]["rows_affected"] << std::endl;
            if (results.size() > 1) std::cout << "\n";
        }
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "Error: " << e.what() << std::endl;
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    lxdp::daemon::DaemonOptions options;
    char exe[4096] = {};
    ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    options.exePath = n > 0 ? std::string(exe, static_cast<size_t>(n)) : argv[0];

    // Subcommands with their own arguments.
    if (!args.empty() && args[0] == "init")
        return lxdp::daemon::runInit({args.begin() + 1, args.end()}, socketPath());
    if (!args.empty() && args[0] == "sql") return runSql({args.begin() + 1, args.end()});
    // rsync's remote shell in an instance migration (MigrationRsync.h).
    if (!args.empty() && args[0] == "netcat") return lxdp::services::runMigrationNetcat(args.size() > 1 ? args[1] : "");
    if (!args.empty() && args[0] == "recover")
        return lxdp::daemon::runRecover({args.begin() + 1, args.end()}, socketPath());

    std::string command;
    int timeout = 0;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) {
                std::cerr << "Error: " << a << " needs a value" << std::endl;
                std::exit(1);
            }
            return args[++i];
        };
        if (a == "--group") options.group = value();
        else if (a == "--logfile") options.logfile = value();
        else if (a == "--debug" || a == "-d") options.debug = true;
        else if (a == "--verbose" || a == "-v") options.verbose = true;
        else if (a == "--timeout" || a == "-t") timeout = std::stoi(value());
        else if (a == "--help" || a == "-h") { usage(); return 0; }
        else if (command.empty() && a[0] != '-') command = a;
        else {
            std::cerr << "Error: unknown argument " << a << std::endl;
            usage();
            return 1;
        }
    }
    if (command.empty()) {
        // The daemon forks liblxc's attach children, which are inside containers until they exec:
        // it runs from read-only mounts of its binary and of the libraries it maps before its
        // first thread (exe_seal.h, CVE-2019-5736). The socket's group is looked up first: a name
        // the files do not hold loads an NSS module (libnss_systemd...), which is then sealed too.
        if (!options.group.empty()) ::getgrnam(options.group.c_str());
        if (lxdp_exe_seal() != 0)
            std::cerr << "Warning: the daemon runs unsealed, its files reachable from privileged containers: "
                      << std::strerror(errno) << (*lxdp_seal_failed_file() ? " (" : "") << lxdp_seal_failed_file()
                      << (*lxdp_seal_failed_file() ? ")" : "") << std::endl;
        return lxdp::daemon::runDaemon(options);
    }
    if (command == "waitready") return waitReady(timeout);
    if (command == "shutdown") return shutdownDaemon(timeout > 0 ? timeout : 600);
    if (command == "version") {
        std::cout << LXDP_VERSION << std::endl;
        return 0;
    }
    std::cerr << "Error: unknown command \"" << command << "\"" << std::endl;
    usage();
    return 1;
}
