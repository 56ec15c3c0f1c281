// The SQL of image sources (table image_sources): the image server an image was downloaded
// from, the protocol, the certificate it was checked against and the alias it was asked by.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lxdp::db {

class Database;

struct ImageSourceRecord {
    std::string project;
    std::string fingerprint;
    std::string server;
    std::string protocol;  // "lxd", "simplestreams" or "direct"
    std::string certificate;
    std::string alias;     // empty when asked by fingerprint
};

void recordImageSource(Database& db, const ImageSourceRecord& source);
std::optional<ImageSourceRecord> imageSource(Database& db, const std::string& project, const std::string& fingerprint);
// The image of the project downloaded from server for that alias, if it is still there.
std::optional<ImageSourceRecord> imageSourceByAlias(Database& db, const std::string& project, const std::string& server,
                                                    const std::string& protocol, const std::string& alias);
// Every recorded source of every project (the auto-update task walks them).
std::vector<ImageSourceRecord> allImageSources(Database& db);

}  // namespace lxdp::db
