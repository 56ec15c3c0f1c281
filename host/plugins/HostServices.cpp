#include "plugins/HostServices.h"

#include <algorithm>
#include <cstring>

#include <Poco/Logger.h>

#include "plugins/CommandRunner.h"
#include "plugins/OperationContext.h"

// abi.h leaves lxdp_host opaque: to the host it is one plugin's identity and its table.
struct lxdp_host {
    lxdp::plugins::HostServices* services;
    std::string plugin;
    lxdp_host_api api;
};

namespace lxdp::plugins {

// The C functions of the table. None lets an exception out: it would cross the plugin's frames.
struct HostCallbacks {
    static void log(lxdp_host* host, uint32_t level, const char* msg) {
        if (host == nullptr || msg == nullptr) return;
        try {
            auto& logger = Poco::Logger::get("plugins");
            std::string line = host->plugin + ": " + msg;
            switch (level) {
            case LXDP_LOG_ERROR: logger.error(line); break;
            case LXDP_LOG_WARN: logger.warning(line); break;
            case LXDP_LOG_INFO: logger.information(line); break;
            default: logger.debug(line); break;
            }
        } catch (...) {
            // Logging is best effort: a plugin must not fail because a log line was lost.
        }
    }

    static size_t configGet(lxdp_host* host, const char* key, char* buf, size_t bufLen) {
        if (host == nullptr || key == nullptr) return 0;
        try {
            auto value = host->services->lookup(key);
            if (!value) return 0;
            if (buf != nullptr && bufLen > 0) std::snprintf(buf, bufLen, "%s", value->c_str());
            return value->size();
        } catch (...) {
            return 0;
        }
    }

    static lxdp_status runCommand(lxdp_host* host, const lxdp_command* cmd, lxdp_op* op, int32_t* exitStatus,
                                  lxdp_error* err) {
        if (cmd == nullptr) return lxdp_error_set(err, LXDP_E_INVAL, "run_command: no command");
        if (host != nullptr && cmd->argv != nullptr && cmd->argv[0] != nullptr) {
            std::string line = std::string("runs ") + cmd->argv[0];
            log(host, LXDP_LOG_DEBUG, line.c_str());
        }
        return plugins::runCommand(*cmd, op, exitStatus, err);
    }

    static void opProgress(lxdp_op* op, const lxdp_progress* progress) {
        if (op == nullptr || op->ctx == nullptr || progress == nullptr) return;
        // A plugin built on another minor may pass a shorter or longer struct: read what both know.
        lxdp_progress copy{};
        std::memcpy(&copy, progress, std::min<size_t>(progress->struct_size, sizeof copy));
        copy.struct_size = sizeof copy;
        try {
            op->ctx->progress(copy);
        } catch (...) {
            // Progress is advisory; the operation goes on.
        }
    }

    static int32_t opCancelled(lxdp_op* op) { return op != nullptr && op->ctx != nullptr && op->ctx->cancelled(); }
};

HostServices::HostServices() = default;
HostServices::~HostServices() = default;

void HostServices::setConfigLookup(ConfigLookup lookup) {
    std::unique_lock lock(lookupMutex_);
    lookup_ = std::move(lookup);
}

std::optional<std::string> HostServices::lookup(const std::string& key) const {
    std::shared_lock lock(lookupMutex_);
    return lookup_ ? lookup_(key) : std::nullopt;
}

const lxdp_host_api* HostServices::apiFor(const std::string& pluginName) {
    std::lock_guard lock(tablesMutex_);
    auto& host = hosts_.emplace_back(lxdp_host{this, pluginName, {}});
    host.api = lxdp_host_api{sizeof(lxdp_host_api),
                             LXDP_ABI_MAJOR,
                             LXDP_ABI_MINOR,
                             0,
                             &host,
                             &HostCallbacks::log,
                             &HostCallbacks::configGet,
                             &HostCallbacks::runCommand,
                             &HostCallbacks::opProgress,
                             &HostCallbacks::opCancelled};
    return &host.api;
}

}  // namespace lxdp::plugins
