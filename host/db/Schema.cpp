#include "db/Schema.h"

namespace lxdp::db {

const std::vector<std::vector<std::string>>& schemaMigrations() {
    static const std::vector<std::vector<std::string>> migrations = {
        // 0 -> 1: the walking skeleton.
        {
            "CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE projects (name TEXT PRIMARY KEY, description TEXT NOT NULL DEFAULT '',"
            " config TEXT NOT NULL DEFAULT '{}')",
            "CREATE TABLE storage_pools (name TEXT PRIMARY KEY, driver TEXT NOT NULL,"
            " description TEXT NOT NULL DEFAULT '', config TEXT NOT NULL DEFAULT '{}',"
            " status TEXT NOT NULL DEFAULT 'Created')",
            "CREATE TABLE profiles (project TEXT NOT NULL, name TEXT NOT NULL,"
            " description TEXT NOT NULL DEFAULT '', config TEXT NOT NULL DEFAULT '{}',"
            " devices TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (project, name))",
            "CREATE TABLE images (project TEXT NOT NULL, fingerprint TEXT NOT NULL,"
            " filename TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL DEFAULT 0,"
            " public INTEGER NOT NULL DEFAULT 0, auto_update INTEGER NOT NULL DEFAULT 0,"
            " cached INTEGER NOT NULL DEFAULT 0, architecture TEXT NOT NULL DEFAULT '',"
            " type TEXT NOT NULL DEFAULT 'container', created_at TEXT NOT NULL DEFAULT '',"
            " uploaded_at TEXT NOT NULL DEFAULT '', last_used_at TEXT NOT NULL DEFAULT '',"
            " expires_at TEXT NOT NULL DEFAULT '', properties TEXT NOT NULL DEFAULT '{}',"
            " profiles TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (project, fingerprint))",
            "CREATE TABLE image_aliases (project TEXT NOT NULL, name TEXT NOT NULL,"
            " target TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
            " PRIMARY KEY (project, name))",
            "CREATE TABLE instances (project TEXT NOT NULL, name TEXT NOT NULL,"
            " type INTEGER NOT NULL DEFAULT 0, architecture TEXT NOT NULL DEFAULT '',"
            " ephemeral INTEGER NOT NULL DEFAULT 0, stateful INTEGER NOT NULL DEFAULT 0,"
            " description TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL DEFAULT '',"
            " last_used_at TEXT NOT NULL DEFAULT '', config TEXT NOT NULL DEFAULT '{}',"
            " devices TEXT NOT NULL DEFAULT '{}', profiles TEXT NOT NULL DEFAULT '[]',"
            " PRIMARY KEY (project, name))",
            "CREATE TABLE storage_volumes (pool TEXT NOT NULL, project TEXT NOT NULL,"
            " type INTEGER NOT NULL, name TEXT NOT NULL, content INTEGER NOT NULL DEFAULT 0,"
            " description TEXT NOT NULL DEFAULT '', config TEXT NOT NULL DEFAULT '{}',"
            " created_at TEXT NOT NULL DEFAULT '', PRIMARY KEY (pool, project, type, name))",
            "CREATE TABLE instance_snapshots (project TEXT NOT NULL, instance TEXT NOT NULL,"
            " name TEXT NOT NULL, architecture TEXT NOT NULL DEFAULT '', stateful INTEGER NOT NULL DEFAULT 0,"
            " description TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL DEFAULT '',"
            " expires_at TEXT NOT NULL DEFAULT '', config TEXT NOT NULL DEFAULT '{}',"
            " devices TEXT NOT NULL DEFAULT '{}', profiles TEXT NOT NULL DEFAULT '[]',"
            " PRIMARY KEY (project, instance, name))",
            "CREATE TABLE instance_backups (project TEXT NOT NULL, instance TEXT NOT NULL,"
            " name TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT '', expires_at TEXT NOT NULL DEFAULT '',"
            " instance_only INTEGER NOT NULL DEFAULT 0, optimized_storage INTEGER NOT NULL DEFAULT 0,"
            " compression TEXT NOT NULL DEFAULT '', PRIMARY KEY (project, instance, name))",
            "CREATE TABLE storage_volume_snapshots (pool TEXT NOT NULL, project TEXT NOT NULL,"
            " type INTEGER NOT NULL, volume TEXT NOT NULL, name TEXT NOT NULL,"
            " description TEXT NOT NULL DEFAULT '', config TEXT NOT NULL DEFAULT '{}',"
            " created_at TEXT NOT NULL DEFAULT '', expires_at TEXT NOT NULL DEFAULT '',"
            " PRIMARY KEY (pool, project, type, volume, name))",
            "CREATE TABLE networks (project TEXT NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,"
            " description TEXT NOT NULL DEFAULT '', config TEXT NOT NULL DEFAULT '{}',"
            " status TEXT NOT NULL DEFAULT 'Created', PRIMARY KEY (project, name))",
            "CREATE TABLE certificates (fingerprint TEXT PRIMARY KEY, type TEXT NOT NULL DEFAULT 'client',"
            " name TEXT NOT NULL DEFAULT '', certificate TEXT NOT NULL, restricted INTEGER NOT NULL DEFAULT 0,"
            " projects TEXT NOT NULL DEFAULT '[]')",
            "INSERT INTO projects (name, description, config) VALUES ('default',"
            " 'Default LXD project', '{\"features.images\":\"true\",\"features.profiles\":\"true\","
            "\"features.storage.volumes\":\"true\"}')",
            "INSERT INTO profiles (project, name, description) VALUES ('default', 'default',"
            " 'Default LXD profile')",
        },
        // 1 -> 2: the journal of changes that span the database and a storage pool. A row is
        // written with the change's first record and removed with its last, so a daemon killed
        // in between finds it at start and settles the change (services/InterruptedChanges.cpp).
        {
            "CREATE TABLE pending_changes (kind TEXT NOT NULL, project TEXT NOT NULL, name TEXT NOT NULL,"
            " pool TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '', started TEXT NOT NULL DEFAULT '',"
            " PRIMARY KEY (kind, project, name))",
        },
        // 2 -> 3: where an image downloaded from an image server came from, so that a cached
        // image is found again by its alias and auto_update can look for a newer one.
        {
            "CREATE TABLE image_sources (project TEXT NOT NULL, fingerprint TEXT NOT NULL,"
            " server TEXT NOT NULL, protocol TEXT NOT NULL, certificate TEXT NOT NULL DEFAULT '',"
            " alias TEXT NOT NULL DEFAULT '', PRIMARY KEY (project, fingerprint))",
        },
    };
    return migrations;
}

}  // namespace lxdp::db
