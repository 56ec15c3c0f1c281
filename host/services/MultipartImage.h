// A split image as a multipart/form-data body, upstream's form both ways: lxc image import
// META ROOTFS sends one, and an LXD server's GET /1.0/images/FP/export answers one. Its parts
// are "metadata" then "rootfs", each with the file name it is offered under.
#pragma once

#include <string>

namespace Poco::Net { class MultipartReader; }

namespace lxdp::services {

// The boundary of a multipart Content-Type. BadRequest for a type without one.
std::string multipartBoundary(const std::string& contentType);

// Moves reader on to its next part, which must be named `name`; the part's file name.
// BadRequest ("Invalid multipart image: ...") when the body ends or the part has another name.
std::string nextImagePart(Poco::Net::MultipartReader& reader, const std::string& name);

}  // namespace lxdp::services
