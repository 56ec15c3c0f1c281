// Certificate add tokens: single use, expiring, revocable, compared by their secret.
#include <gtest/gtest.h>

#include <Poco/Base64Encoder.h>

#include <sstream>
#include <thread>

#include "events/EventHub.h"
#include "ops/OperationManager.h"
#include "services/CertificateTokens.h"

namespace {

using lxdp::services::CertificateTokens;

// The token as `lxc config trust add` prints it: base64 of the JSON it builds from the metadata.
std::string printed(const nlohmann::json& metadata) {
    const nlohmann::json token = {{"client_name", metadata["request"]["name"]},
                                  {"fingerprint", metadata["fingerprint"]},
                                  {"addresses", metadata["addresses"]},
                                  {"secret", metadata["secret"]},
                                  {"expires_at", metadata["expiresAt"]}};
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << token.dump();
    encoder.close();
    return out.str();
}

class CertificateTokensTest : public ::testing::Test {
protected:
    lxdp::events::EventHub events_;
    lxdp::ops::OperationManager ops_{events_};
    const nlohmann::json request_ = {{"name", "laptop"}, {"type", "client"}, {"restricted", true}, {"projects", {"p1"}}};
};

TEST_F(CertificateTokensTest, MetadataCarriesWhatTheClientPrints) {
    CertificateTokens tokens(ops_);
    auto op = tokens.issue(request_, "f00d", {"127.0.0.1:8443"});
    const auto rendered = op->render();
    EXPECT_EQ(rendered["class"], "token");
    EXPECT_TRUE(rendered["may_cancel"].get<bool>());
    const auto meta = op->metadata();
    EXPECT_EQ(meta["request"]["name"], "laptop");
    EXPECT_EQ(meta["fingerprint"], "f00d");
    EXPECT_EQ(meta["addresses"][0], "127.0.0.1:8443");
    EXPECT_EQ(meta["secret"].get<std::string>().size(), 64u);
    EXPECT_FALSE(meta["expiresAt"].get<std::string>().empty());
    // Tokens belong to no project, and shutdown does not wait for them.
    EXPECT_EQ(op->project(), "");
    EXPECT_EQ(ops_.running(), 0u);
}

TEST_F(CertificateTokensTest, WorksOnceAndEndsItsOperation) {
    CertificateTokens tokens(ops_);
    auto op = tokens.issue(request_, "f00d", {});
    const std::string token = printed(op->metadata());
    const auto redeemed = tokens.redeem(token);
    ASSERT_TRUE(redeemed.has_value());
    EXPECT_EQ((*redeemed)["name"], "laptop");
    EXPECT_EQ((*redeemed)["projects"][0], "p1");
    EXPECT_FALSE(tokens.redeem(token).has_value());
    ASSERT_TRUE(op->wait(5));
    EXPECT_EQ(op->status(), lxdp::ops::Status::Success);
}

TEST_F(CertificateTokensTest, BareSecretWorksAndWrongOnesDoNot) {
    CertificateTokens tokens(ops_);
    auto op = tokens.issue(request_, "f00d", {});
    std::string secret = op->metadata()["secret"];
    EXPECT_FALSE(tokens.redeem("").has_value());
    EXPECT_FALSE(tokens.redeem(secret.substr(1)).has_value());
    std::string wrong = secret;
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(tokens.redeem(wrong).has_value());
    EXPECT_FALSE(tokens.redeem("bm90IGEgdG9rZW4=").has_value());
    EXPECT_TRUE(tokens.redeem(secret).has_value());
}

TEST_F(CertificateTokensTest, RevokedByCancellingItsOperation) {
    CertificateTokens tokens(ops_);
    auto op = tokens.issue(request_, "f00d", {});
    const std::string token = printed(op->metadata());
    ASSERT_TRUE(op->cancel());
    // At once, before the operation itself has noticed.
    EXPECT_FALSE(tokens.redeem(token).has_value());
    ASSERT_TRUE(op->wait(5));
    EXPECT_EQ(op->status(), lxdp::ops::Status::Cancelled);
}

TEST_F(CertificateTokensTest, Expires) {
    CertificateTokens tokens(ops_, std::chrono::seconds(1));
    auto op = tokens.issue(request_, "f00d", {});
    const std::string token = printed(op->metadata());
    ASSERT_TRUE(op->wait(5));
    EXPECT_EQ(op->status(), lxdp::ops::Status::Failure);
    EXPECT_EQ(op->render()["err"], "Token expired");
    EXPECT_FALSE(tokens.redeem(token).has_value());
}

}  // namespace
