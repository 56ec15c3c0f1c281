// Normalising tarball member names, and refusing the ones that could point outside the
// extraction directory.
#pragma once

#include <string>

namespace lxdp::images {

// The member name as a clean relative path: "./" prefixes, "." components, repeated and
// trailing slashes removed; "" for the archive root ("./"). BadRequest for absolute names and
// names with a ".." component, which tar would place outside the destination.
std::string memberPath(const std::string& raw);

}  // namespace lxdp::images
