// A request head as the HTTP server reads it (Poco's parser, as HttpConnection runs it), then
// what the API layer makes of its target before routing: the URI with its query parameters and
// the path cut into URL-decoded segments.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/URI.h>

#include "api/PathSegments.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    Poco::Net::HTTPRequest request;
    try {
        request.read(in);
        const Poco::URI uri(request.getURI());
        uri.getQueryParameters();
        lxdp::api::splitPath(uri.getPath());
    } catch (const Poco::Exception&) {  // a head or URI that does not parse: the server's 400
    }
    return 0;
}
