// Trust primitives: password hashes, certificate fingerprints, the guessing throttle.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tls/AttemptThrottle.h"
#include "tls/Certificate.h"
#include "tls/PasswordHash.h"
#include "tls/ServerCertificate.h"
#include "util/ApiError.h"

namespace {

using lxdp::tls::AttemptThrottle;

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

class ServerCertificateTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/lxdp-tls-XXXXXX";
        dir_ = mkdtemp(tmpl);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string dir_;
};

TEST(PasswordHash, VerifiesOnlyTheRightPassword) {
    const auto stored = lxdp::tls::hashPassword("sekret");
    EXPECT_EQ(stored.find("sekret"), std::string::npos);
    EXPECT_TRUE(lxdp::tls::isPasswordHash(stored));
    EXPECT_TRUE(lxdp::tls::verifyPassword(stored, "sekret"));
    EXPECT_FALSE(lxdp::tls::verifyPassword(stored, "sekreT"));
    EXPECT_FALSE(lxdp::tls::verifyPassword(stored, ""));
}

TEST(PasswordHash, SaltedSoEqualPasswordsDiffer) {
    EXPECT_NE(lxdp::tls::hashPassword("same"), lxdp::tls::hashPassword("same"));
}

TEST(PasswordHash, RefusesMalformedAndClearText) {
    EXPECT_FALSE(lxdp::tls::verifyPassword("sekret", "sekret"));
    EXPECT_FALSE(lxdp::tls::verifyPassword("scrypt$14$8$1$zz$00", "x"));
    // Cost parameters beyond the bounds are refused rather than computed.
    EXPECT_FALSE(lxdp::tls::verifyPassword("scrypt$40$8$1$00$00", "x"));
    EXPECT_FALSE(lxdp::tls::isPasswordHash("true"));
}

TEST_F(ServerCertificateTest, GeneratedOnceThenReused) {
    const auto first = lxdp::tls::loadOrCreateServerCertificate(dir_);
    EXPECT_EQ(std::filesystem::status(dir_ + "/server.key").permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(first.certificate.commonName.rfind("root@", 0), 0u);
    EXPECT_EQ(first.certificate.fingerprint.size(), 64u);
    const auto second = lxdp::tls::loadOrCreateServerCertificate(dir_);
    EXPECT_EQ(first.certificate.fingerprint, second.certificate.fingerprint);
    EXPECT_EQ(second.certificate.pem, readFile(dir_ + "/server.crt"));
}

TEST_F(ServerCertificateTest, FingerprintIsSha256OfDerInEveryEncoding) {
    const auto server = lxdp::tls::loadOrCreateServerCertificate(dir_);
    // The PEM body is the base64 DER: the same certificate given the way `lxc config trust add` sends it.
    std::string body;
    std::istringstream lines(server.certificate.pem);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("-----", 0) != 0) body += line;
    const auto fromDer = lxdp::tls::parseCertificate(body);
    EXPECT_EQ(fromDer.fingerprint, server.certificate.fingerprint);
    EXPECT_EQ(fromDer.pem, server.certificate.pem);
}

TEST(Certificate, GarbageIsABadRequest) {
    for (const char* text : {"", "bm90IGEgY2VydA==", "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n", "!!"}) {
        try {
            lxdp::tls::parseCertificate(text);
            ADD_FAILURE() << "accepted " << text;
        } catch (const lxdp::ApiError& e) {
            EXPECT_EQ(e.status(), 400);
        }
    }
}

TEST(AttemptThrottle, FreeMistakesThenDoublingWaits) {
    AttemptThrottle throttle;
    const auto t0 = AttemptThrottle::Clock::now();
    for (int i = 0; i < 3; ++i) throttle.failed("198.18.0.1", t0);
    EXPECT_EQ(throttle.waitFor("198.18.0.1", t0), AttemptThrottle::Clock::duration::zero());
    throttle.failed("198.18.0.1", t0);
    const auto first = throttle.waitFor("198.18.0.1", t0);
    EXPECT_GT(first, AttemptThrottle::Clock::duration::zero());
    throttle.failed("198.18.0.1", t0);
    EXPECT_GT(throttle.waitFor("198.18.0.1", t0), first);
    // Other addresses are not affected; the wait ends; success forgets.
    EXPECT_EQ(throttle.waitFor("198.18.0.2", t0), AttemptThrottle::Clock::duration::zero());
    EXPECT_EQ(throttle.waitFor("198.18.0.1", t0 + std::chrono::minutes(2)), AttemptThrottle::Clock::duration::zero());
    throttle.succeeded("198.18.0.1");
    throttle.failed("198.18.0.1", t0);
    EXPECT_EQ(throttle.waitFor("198.18.0.1", t0), AttemptThrottle::Clock::duration::zero());
}

TEST(AttemptThrottle, WaitIsCapped) {
    AttemptThrottle throttle;
    const auto t0 = AttemptThrottle::Clock::now();
    for (int i = 0; i < 100; ++i) throttle.failed("198.18.0.1", t0);
    EXPECT_LE(throttle.waitFor("198.18.0.1", t0), std::chrono::seconds(60));
    EXPECT_GT(throttle.waitFor("198.18.0.1", t0), std::chrono::seconds(30));
}

}  // namespace
