// The REST plumbing on a real unix socket: envelopes, status codes, chunked bodies.
#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <filesystem>
#include <iterator>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "api/HttpServer.h"
#include "api/Router.h"
#include "util/ApiError.h"

namespace {

struct Reply {
    int status;
    std::string body;
    std::string etag;
};

class HttpServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/lxdp-http-XXXXXX";
        dir_ = mkdtemp(tmpl);
        socket_ = dir_ + "/unix.socket";
        router_.add("GET", "/1.0", [](lxdp::api::Request&) {
            return lxdp::api::Response::sync({{"api_version", "1.0"}}, "abc");
        });
        router_.add("POST", "/1.0/things", [](lxdp::api::Request& r) {
            auto name = r.json().at("name").get<std::string>();
            return lxdp::api::Response::created("/1.0/things/" + name);
        });
        router_.add("GET", "/1.0/things/{name}", [](lxdp::api::Request& r) -> lxdp::api::Response {
            throw lxdp::NotFound("Thing " + r.param("name") + " not found");
        });
        router_.add("GET", "/1.0/things/special", [](lxdp::api::Request&) {
            return lxdp::api::Response::sync("special");
        });
        router_.add("PUT", "/1.0/upload", [](lxdp::api::Request& r) {
            std::string body(std::istreambuf_iterator<char>(r.body()), {});
            return lxdp::api::Response::sync(body.size());
        });
        server_ = std::make_unique<lxdp::api::HttpServer>(router_, socket_, "");
        server_->start();
    }
    void TearDown() override {
        server_.reset();
        std::filesystem::remove_all(dir_);
    }

    Reply request(const std::string& method, const std::string& path, const std::string& body = "",
                  bool chunked = false) {
        Poco::Net::StreamSocket s;
        s.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket_));
        Poco::Net::HTTPClientSession session(s);
        Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (chunked) req.setChunkedTransferEncoding(true);
        else req.setContentLength(static_cast<std::streamsize>(body.size()));
        session.sendRequest(req) << body;
        Poco::Net::HTTPResponse resp;
        std::istream& in = session.receiveResponse(resp);
        return {static_cast<int>(resp.getStatus()), std::string(std::istreambuf_iterator<char>(in), {}),
                resp.get("ETag", "")};
    }

    std::string dir_, socket_;
    lxdp::api::Router router_;
    std::unique_ptr<lxdp::api::HttpServer> server_;
};

TEST_F(HttpServerTest, SocketIsGroupReadWriteOnly) {
    struct stat st {};
    ASSERT_EQ(stat(socket_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(HttpServerTest, SyncEnvelopeWithEtag) {
    auto r = request("GET", "/1.0", "\"\"\n");  // lxc query sends a body on GET
    EXPECT_EQ(r.status, 200);
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["type"], "sync");
    EXPECT_EQ(j["status_code"], 200);
    EXPECT_EQ(j["metadata"]["api_version"], "1.0");
    EXPECT_EQ(r.etag, "\"abc\"");
}

TEST_F(HttpServerTest, UnknownPathIs404ErrorEnvelope) {
    auto r = request("GET", "/1.0/nothing-here");
    EXPECT_EQ(r.status, 404);
    auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j["type"], "error");
    EXPECT_EQ(j["error_code"], 404);
    EXPECT_EQ(j["metadata"], nullptr);
}

TEST_F(HttpServerTest, KnownPathOtherMethodIs405) { EXPECT_EQ(request("DELETE", "/1.0").status, 405); }

TEST_F(HttpServerTest, MalformedJsonIs400) { EXPECT_EQ(request("POST", "/1.0/things", "{\"name\": ").status, 400); }

TEST_F(HttpServerTest, WrongJsonTypeIs400) { EXPECT_EQ(request("POST", "/1.0/things", "{\"name\": 5}").status, 400); }

TEST_F(HttpServerTest, CreateAnswers201) { EXPECT_EQ(request("POST", "/1.0/things", "{\"name\":\"x\"}").status, 201); }

TEST_F(HttpServerTest, HandlerErrorsKeepTheirStatus) {
    auto r = request("GET", "/1.0/things/zz");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "Thing zz not found");
}

TEST_F(HttpServerTest, LiteralSegmentBeatsParameter) {
    EXPECT_EQ(nlohmann::json::parse(request("GET", "/1.0/things/special").body)["metadata"], "special");
}

TEST_F(HttpServerTest, ChunkedBodyIsDechunked) {
    std::string body(100000, 'x');
    auto r = request("PUT", "/1.0/upload", body, true);
    EXPECT_EQ(nlohmann::json::parse(r.body)["metadata"], 100000);
}

}  // namespace
