// What the endpoints and services share: one instance of each daemon-wide part.
#pragma once

#include "daemon/Paths.h"

namespace lxdp::db { class Database; }
namespace lxdp::events { class EventHub; }
namespace lxdp::ops { class OperationManager; }
namespace lxdp::plugins { class PluginRegistry; }
namespace lxdp::services {
class StorageService;
class ProfileService;
class ImageService;
class InstanceService;
class ProjectService;
class TrustService;
class NetworkService;
class VolumeService;
class RemoteImages;
}  // namespace lxdp::services
namespace lxdp::tls { struct ServerCertificate; }

namespace lxdp::daemon {

class ServerConfigListeners;

struct Context {
    const Paths& paths;
    db::Database& db;
    events::EventHub& events;
    ops::OperationManager& ops;
    plugins::PluginRegistry& plugins;
    services::StorageService& storage;
    services::ProfileService& profiles;
    services::ImageService& images;
    services::InstanceService& instances;
    services::ProjectService& projects;
    const tls::ServerCertificate& serverCertificate;
    services::TrustService& trust;
    ServerConfigListeners& configListeners;
    services::NetworkService& networks;
    services::VolumeService& volumes;
    services::RemoteImages& remoteImages;
};

}  // namespace lxdp::daemon
