// The router's gate for restricted client certificates, through a real HTTP server whose
// callers are all the same restricted client (limited to project p1).
#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <filesystem>
#include <iterator>

#include <nlohmann/json.hpp>

#include "api/HttpServer.h"
#include "api/Router.h"
#include "util/ApiError.h"

namespace {

using lxdp::api::Request;
using lxdp::api::Response;

class RestrictedAccessTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/lxdp-restricted-XXXXXX";
        dir_ = mkdtemp(tmpl);
        socket_ = dir_ + "/unix.socket";
        auto ok = [](Request&) { return Response::sync("ok"); };
        for (const char* path : {"/1.0", "/1.0/instances", "/1.0/instances/{name}", "/1.0/projects",
                                 "/1.0/projects/{name}", "/1.0/certificates/{fingerprint}", "/1.0/storage-pools",
                                 "/internal/ready", "/1.0/events"}) {
            router_.add("GET", path, ok);
            router_.add("PUT", path, ok);
        }
        router_.add("POST", "/1.0/certificates", ok, lxdp::api::Access::Public);
        router_.add("POST", "/1.0/instances", ok);
        router_.add("GET", "/1.0/operations/{id}", ok);
        router_.add("GET", "/1.0/operations/{id}/websocket", ok, lxdp::api::Access::Public);
        // Projects exist or not: the restricted caller must not be able to tell.
        router_.setProjectCheck([](const std::string& project) {
            if (project != "p1" && project != "p2") throw lxdp::NotFound("Project not found");
        });
        Poco::Net::ServerSocket socket;
        socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket_), false);
        socket.listen(16);
        server_ = std::make_unique<lxdp::api::HttpServer>(router_, socket, [](Poco::Net::HTTPServerRequest&) {
            lxdp::api::Requestor who;
            who.protocol = "tls";
            who.fingerprint = "abcd";
            who.restricted = true;
            who.projects = {"p1"};
            return who;
        });
        server_->start();
    }
    void TearDown() override {
        server_.reset();
        std::filesystem::remove_all(dir_);
    }

    std::pair<int, std::string> call(const std::string& method, const std::string& path) {
        Poco::Net::StreamSocket s;
        s.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket_));
        Poco::Net::HTTPClientSession session(s);
        Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        req.setContentLength(2);
        session.sendRequest(req) << "{}";
        Poco::Net::HTTPResponse resp;
        std::istream& in = session.receiveResponse(resp);
        return {static_cast<int>(resp.getStatus()), std::string(std::istreambuf_iterator<char>(in), {})};
    }
    int status(const std::string& method, const std::string& path) { return call(method, path).first; }

    std::string dir_, socket_;
    lxdp::api::Router router_;
    std::unique_ptr<lxdp::api::HttpServer> server_;
};

TEST_F(RestrictedAccessTest, OwnProjectIsReachable) {
    EXPECT_EQ(status("GET", "/1.0/instances?project=p1"), 200);
    EXPECT_EQ(status("POST", "/1.0/instances?project=p1"), 200);
    EXPECT_EQ(status("PUT", "/1.0/instances/c1?project=p1"), 200);
    EXPECT_EQ(status("GET", "/1.0/projects/p1"), 200);
}

TEST_F(RestrictedAccessTest, OtherProjectsAnswerAlikeWhetherTheyExistOrNot) {
    const auto existing = call("GET", "/1.0/instances?project=p2");
    const auto missing = call("GET", "/1.0/instances?project=nope");
    EXPECT_EQ(existing.first, 403);
    EXPECT_EQ(existing, missing);
    EXPECT_EQ(call("GET", "/1.0/projects/p2"), call("GET", "/1.0/projects/nope"));
    EXPECT_EQ(status("GET", "/1.0/projects/p2"), 403);
    // No project named: the default project, not one of its own.
    EXPECT_EQ(status("GET", "/1.0/instances"), 403);
    EXPECT_EQ(status("GET", "/1.0/instances?project=p1&all-projects=true"), 403);
}

TEST_F(RestrictedAccessTest, ServerWideChangesAreRefused) {
    EXPECT_EQ(status("GET", "/1.0"), 200);
    EXPECT_EQ(status("PUT", "/1.0"), 403);
    EXPECT_EQ(status("GET", "/1.0/storage-pools"), 200);
    EXPECT_EQ(status("PUT", "/1.0/storage-pools"), 403);
    EXPECT_EQ(status("PUT", "/1.0/projects/p1"), 403);
    EXPECT_EQ(status("GET", "/internal/ready"), 403);
    // Enrolment is public, but not for a restricted client adding others.
    EXPECT_EQ(status("POST", "/1.0/certificates"), 403);
}

TEST_F(RestrictedAccessTest, OnlyItsOwnCertificateToReadOnly) {
    EXPECT_EQ(status("GET", "/1.0/certificates/abcd"), 200);
    EXPECT_EQ(status("PUT", "/1.0/certificates/abcd"), 403);
    EXPECT_EQ(status("GET", "/1.0/certificates/ef01"), 403);
}

TEST_F(RestrictedAccessTest, EventsOfItsProjectOnlyAndReadOnly) {
    EXPECT_EQ(status("GET", "/1.0/events?project=p1"), 200);
    EXPECT_EQ(status("PUT", "/1.0/events?project=p1"), 403);
    EXPECT_EQ(status("GET", "/1.0/events?project=p2"), 403);
}

TEST_F(RestrictedAccessTest, OperationWebsocketsNeedNoProject) {
    EXPECT_EQ(status("GET", "/1.0/operations/abc/websocket?secret=s"), 200);
    EXPECT_EQ(status("GET", "/1.0/operations/abc"), 403);
    EXPECT_EQ(status("GET", "/1.0/operations/abc?project=p1"), 200);
}

TEST_F(RestrictedAccessTest, PreflightIsAnsweredWithoutTrust) { EXPECT_EQ(status("OPTIONS", "/1.0/instances"), 200); }

}  // namespace
