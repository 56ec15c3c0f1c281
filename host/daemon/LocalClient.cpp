#include "daemon/LocalClient.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <iterator>

namespace lxdp::daemon {

int localRequest(const std::string& socketPath, const std::string& method, const std::string& path,
                 std::string* body, int timeoutSec) {
    try {
        Poco::Net::StreamSocket socket;
        socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socketPath));
        Poco::Net::HTTPClientSession session(socket);
        session.setTimeout(Poco::Timespan(timeoutSec, 0));
        Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        request.setHost("lxd");
        request.setContentLength(0);
        session.sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string text(std::istreambuf_iterator<char>(in), {});
        if (body) *body = std::move(text);
        return static_cast<int>(response.getStatus());
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace lxdp::daemon
