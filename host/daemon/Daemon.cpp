#include "daemon/Daemon.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FileChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/SplitterChannel.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <iostream>

#include "api/HttpServer.h"
#include "api/Router.h"
#include "api/endpoints/ClusterEndpoints.h"
#include "api/endpoints/Endpoints.h"
#include "daemon/Context.h"
#include "daemon/Paths.h"
#include "daemon/ServerConfigListeners.h"
#include "db/Database.h"
#include "db/SqlShell.h"
#include "events/EventHub.h"
#include "events/LoggingChannel.h"
#include "ops/OperationManager.h"
#include "plugins/DaemonFirewall.h"
#include "plugins/HostServices.h"
#include "plugins/PluginRegistry.h"
#include "services/DevLxd.h"
#include "services/HostLifecycle.h"
#include "services/ImageCacheTask.h"
#include "services/RemoteImages.h"
#include "services/SnapshotScheduler.h"
#include "services/DaemonStorage.h"
#include "services/ImageService.h"
#include "services/ImageVolumes.h"
#include "services/InstanceService.h"
#include "services/NetworkService.h"
#include "services/ProfileService.h"
#include "services/ProjectService.h"
#include "services/StorageService.h"
#include "services/TrustService.h"
#include "services/VolumeService.h"
#include "api/Cors.h"
#include "api/Request.h"
#include "tls/HttpsListener.h"
#include "tls/ProxyProtocol.h"
#include "tls/ServerCertificate.h"
#include "util/FaultPoint.h"
#include "util/FreeMemory.h"

namespace lxdp::daemon {

namespace {

// Every logger inherits the root's channel: a splitter, so that the events hub can join later.
Poco::AutoPtr<Poco::SplitterChannel> setupLogging(const DaemonOptions& options) {
    Poco::AutoPtr<Poco::Channel> channel;
    if (!options.logfile.empty()) {
        auto* file = new Poco::FileChannel(options.logfile);
        file->setProperty("flush", "true");
        channel = file;
    } else {
        channel = new Poco::ConsoleChannel;
    }
    Poco::AutoPtr<Poco::PatternFormatter> fmt(new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t"));
    Poco::AutoPtr<Poco::FormattingChannel> formatting(new Poco::FormattingChannel(fmt, channel));
    int level = options.debug ? Poco::Message::PRIO_DEBUG
                              : options.verbose ? Poco::Message::PRIO_INFORMATION : Poco::Message::PRIO_WARNING;
    Poco::AutoPtr<Poco::SplitterChannel> splitter(new Poco::SplitterChannel);
    splitter->addChannel(formatting);
    Poco::Logger::root().setChannel(splitter);
    Poco::Logger::root().setLevel(level);
    return splitter;
}

// Signals are taken synchronously by the main thread: every other thread has them blocked.
sigset_t blockDaemonSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGPWR, SIGUSR1}) sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    // A client that goes away mid-answer must not kill the daemon.
    signal(SIGPIPE, SIG_IGN);
    return set;
}

// Running operations get core.shutdown_timeout minutes (default 5) to finish.
void waitForOperations(ops::OperationManager& operations, db::Database& db) {
    int minutes = 5;
    auto config = db.serverConfig();
    if (auto it = config.find("core.shutdown_timeout"); it != config.end()) {
        try {
            minutes = std::stoi(it->second);
        } catch (...) {
        }
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(minutes);
    while (operations.running() > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace

int runDaemon(const DaemonOptions& options) {
    util::limitMallocArenas();
    util::armFaultPoint();
    sigset_t signals = blockDaemonSignals();
    auto logChannels = setupLogging(options);
    // Outlives everything below, the log channel that feeds it included.
    events::EventHub events;
    logChannels->addChannel(new events::LoggingChannel(events));
    auto& log = Poco::Logger::get("daemon");
    try {
        Paths paths(defaultVarDir());
        paths.create();
        db::Database db(paths.database);
        // The administrator's repairs (upstream's patch files; one database takes both), after the
        // migrations and before anything reads the database.
        for (const auto& applied : db::applyPatchFiles(db, {paths.varDir + "/database/patch.local.sql",
                                                            paths.varDir + "/database/patch.global.sql"}))
            log.warning("applied and removed %s", applied);

        plugins::HostServices hostServices;
        hostServices.setConfigLookup([&](const std::string& key) -> std::optional<std::string> {
            if (key == LXDP_HOST_KEY_VAR_DIR) return paths.varDir;
            if (key == LXDP_HOST_KEY_LOG_DIR) return paths.logs;
            if (key == LXDP_HOST_KEY_CACHE_DIR) return paths.cache;
            auto config = db.serverConfig();
            auto it = config.find(key);
            if (it == config.end()) return std::nullopt;
            return it->second;
        });
        plugins::PluginRegistry registry(hostServices);
        registry.loadAll(plugins::pluginSearchPath(options.exePath));

        ops::OperationManager operations(events);
        services::StorageService storage(db, events, registry);
        services::ImageVolumes imageVolumes(db, registry, storage);
        storage.setImageVolumes(&imageVolumes);
        services::VolumeService volumes(db, events, registry, storage, imageVolumes);
        services::ProfileService profiles(db, events);
        services::ImageService images(paths, db, events, imageVolumes);
        images.pruneLeftoverFiles();
        services::InstanceService instances(paths, db, events, registry, storage, images, imageVolumes);
        services::ProjectService projects(db, events);
        services::NetworkService networks(db, events, registry, instances);
        instances.setNetworks(&networks);
        profiles.setInstances(&instances);
        const auto serverCertificate = tls::loadOrCreateServerCertificate(paths.varDir);
        services::TrustService trust(db, events, operations, paths.varDir);
        services::DaemonStorage daemonStorage(paths, db, storage, volumes);
        ServerConfigListeners configListeners;
        configListeners.add([&daemonStorage](const db::StringMap& before, const db::StringMap& after) {
            daemonStorage.apply(before, after);
        });
        services::RemoteImages remoteImages(paths, db, images);
        Context context{paths,    db,        events,   operations,        registry, storage,        profiles,
                        images,   instances, projects, serverCertificate, trust,    configListeners, networks,
                        volumes,  remoteImages};
        // Volumes on a pool that no row names are left alone at start: `lxd recover` brings them
        // back (services/RecoveryService.h). Only what an interrupted operation of ours provably
        // half-made may be cleaned up here.
        storage.openAll();
        // What a killed daemon left half-done is settled before anything else sees it.
        instances.settleInterruptedChanges();
        volumes.settleInterruptedChanges();
        // The firewall backend, chosen once (plugins/DaemonFirewall.h) before any rule is made.
        log.information("firewall: %s", std::string(plugins::firewallName()));
        // Bridges come up before any instance that uses them (autostart, below).
        networks.startAll();

        api::Router router;
        router.setProjectCheck([&projects](const std::string& project) { projects.get(project); });
        router.setCommonHeaders([&db](api::Request& r) { api::setCorsHeaders(db.serverConfig(), r); });
        api::registerServerEndpoints(router, context);
        api::registerOperationEndpoints(router, context);
        api::registerEventEndpoints(router, context);
        api::registerProjectEndpoints(router, context);
        api::registerStorageEndpoints(router, context);
        api::registerVolumeEndpoints(router, context);
        api::registerVolumeSnapshotEndpoints(router, context);
        api::registerNetworkEndpoints(router, context);
        api::registerProfileEndpoints(router, context);
        api::registerImageEndpoints(router, context);
        api::registerInstanceEndpoints(router, context);
        api::registerSnapshotEndpoints(router, context);
        api::registerExecEndpoints(router, context);
        api::registerFileEndpoints(router, context);
        api::registerBackupEndpoints(router, context);
        api::registerMetadataEndpoints(router, context);
        api::registerResourceEndpoints(router, context);
        api::registerConsoleEndpoints(router, context);
        api::registerCertificateEndpoints(router, context);
        api::registerClusterEndpoints(router, context);
        api::registerRecoverEndpoints(router, context);
        // The daemon's own control endpoints, used by `lxd waitready` and `lxd shutdown`.
        router.add("GET", "/internal/ready", [](api::Request&) { return api::Response::sync(nullptr); });
        router.add("POST", "/internal/sql", [&db](api::Request& r) {
            return api::Response::sync(db::runSql(db, r.json().value("query", "")));
        });
        // Every route with whether untrusted callers may use it: the tests walk it.
        router.add("GET", "/internal/routes", [&router](api::Request&) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& route : router.describe())
                out.push_back({{"method", route.method}, {"path", route.pattern}, {"public", route.access == api::Access::Public}});
            return api::Response::sync(out);
        });
        // `lxd shutdown` is a host shutdown: instances stop, and come back at the next start.
        router.add("PUT", "/internal/shutdown", [](api::Request&) {
            kill(getpid(), SIGPWR);
            return api::Response::sync(nullptr);
        });

        // The remote API follows core.https_address, from the stored value on.
        tls::HttpsListener https(router, serverCertificate,
                                 [&trust](api::Requestor& who, X509* cert) { trust.identify(who, cert); },
                                 [&db](const std::string& address) {
                                     const auto config = db.serverConfig();
                                     const auto it = config.find("core.https_trusted_proxy");
                                     return it != config.end() && tls::isListedAddress(it->second, address);
                                 });
        auto httpsAddress = [](const db::StringMap& config) {
            auto it = config.find("core.https_address");
            return it == config.end() ? std::string() : it->second;
        };
        configListeners.add([&https, httpsAddress](const db::StringMap&, const db::StringMap& after) {
            https.listen(httpsAddress(after));
        });
        try {
            https.listen(httpsAddress(db.serverConfig()));
        } catch (const std::exception& e) {
            log.error("no HTTPS listener: %s", std::string(e.what()));
        }

        api::HttpServer server(router, paths.socket, options.group);
        server.start();
        services::DevLxd devlxd(paths.varDir, db, instances, images, events);
        try {
            devlxd.start();
        } catch (const std::exception& e) {
            log.error("no /dev/lxd socket: %s", std::string(e.what()));
        }
        log.information("daemon started, serving %s", paths.socket);
        services::HostLifecycle lifecycle(db, instances);
        lifecycle.autostart();
        services::SnapshotScheduler snapshotTask(db, instances, volumes, operations);
        snapshotTask.start();
        services::ImageCacheTask imageTask(db, images, remoteImages, operations);
        imageTask.start();

        for (;;) {
            int sig = 0;
            sigwait(&signals, &sig);
            if (sig == SIGPWR) {
                log.information("host shutdown: stopping the instances, then the daemon");
                lifecycle.shutdownInstances();
                break;
            }
            if (sig == SIGTERM || sig == SIGINT) {
                log.information("signal %d: stopping the daemon, instances keep running", sig);
                break;
            }
        }
        snapshotTask.stop();
        imageTask.stop();
        waitForOperations(operations, db);
        events.closeAll();
        https.stop();
        devlxd.stop();
        server.stop();
    } catch (const std::exception& e) {
        log.fatal("daemon failed: %s", std::string(e.what()));
        std::cerr << "Error: " << e.what() << std::endl;
        return 1;
    }
    // Operation threads are detached and may still hold references into the objects above:
    // leave without running destructors; the database is consistent after every commit.
    Poco::Logger::shutdown();
    _exit(0);
}

}  // namespace lxdp::daemon
