#include "services/MultipartImage.h"

#include <Poco/Exception.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/NameValueCollection.h>

#include "util/ApiError.h"

namespace lxdp::services {

std::string multipartBoundary(const std::string& contentType) {
    std::string boundary;
    try {
        const Poco::Net::MediaType type(contentType);
        if (type.hasParameter("boundary")) boundary = type.getParameter("boundary");
    } catch (const Poco::Exception&) {
    }
    if (boundary.empty()) throw BadRequest("Invalid multipart image: no boundary");
    return boundary;
}

std::string nextImagePart(Poco::Net::MultipartReader& reader, const std::string& name) {
    if (!reader.hasNextPart()) throw BadRequest("Invalid multipart image: a part is missing");
    Poco::Net::MessageHeader header;
    reader.nextPart(header);
    std::string disposition;
    Poco::Net::NameValueCollection params;
    Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition, params);
    const std::string found = params.get("name", "");
    if (found != name) throw BadRequest("Invalid multipart image: unexpected part \"" + found + "\"");
    return params.get("filename", "");
}

}  // namespace lxdp::services
