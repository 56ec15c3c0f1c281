#include "config/ServerConfig.h"

#include <gtest/gtest.h>

#include "ExpectError.h"

using namespace lxdp::config;

TEST(ServerConfig, KnownKeys) {
    EXPECT_NO_THROW(validateServerConfig({{"core.https_address", "[::]:8443"},
                                          {"core.trust_password", "sekret"},
                                          {"images.auto_update_interval", "0"},
                                          {"images.compression_algorithm", "xz"},
                                          {"storage.images_volume", "default/images"},
                                          {"cluster.max_voters", "5"}}));
}

TEST(ServerConfig, UnknownKeyIsRefused) {
    EXPECT_BAD_REQUEST(validateServerKey("core.no_such_key", "1"), "Unknown configuration key: core.no_such_key");
    EXPECT_BAD_REQUEST(validateServerKey("security.nesting", "true"), "Unknown configuration key");
}

TEST(ServerConfig, BadValues) {
    EXPECT_BAD_REQUEST(validateServerKey("core.trust_ca_certificates", "perhaps"), "Invalid value for \"core.trust_ca_certificates\"");
    EXPECT_BAD_REQUEST(validateServerKey("images.auto_update_interval", "-1"), "images.auto_update_interval");
    EXPECT_BAD_REQUEST(validateServerKey("images.compression_algorithm", "gzip; rm -rf /"), "images.compression_algorithm");
    EXPECT_BAD_REQUEST(validateServerKey("storage.images_volume", "default"), "POOL/VOLUME");
    EXPECT_BAD_REQUEST(validateServerKey("cluster.max_voters", "4"), "odd number");
    EXPECT_BAD_REQUEST(validateServerKey("core.https_address", "1.2.3.4:8443\nx"), "core.https_address");
}

TEST(ServerConfig, EmptyValueUnsets) {
    EXPECT_NO_THROW(validateServerKey("core.trust_ca_certificates", ""));
    EXPECT_NO_THROW(validateServerKey("storage.images_volume", ""));
}
