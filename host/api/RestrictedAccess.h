// What a restricted client certificate may reach: project-scoped resources of its own projects,
// read-only views of shared server resources, and its own certificate. Anything not listed here
// is refused, so a new route stays closed to restricted clients until someone decides otherwise.
#pragma once

#include <string>
#include <vector>

namespace lxdp::api {

class Request;

// Throws 403 when the restricted caller of request may not call method on the route pattern
// (segments, "{param}" for parameters). Another project is refused the same way whether it
// exists or not: the answer says nothing about other projects. Path parameters must be set.
void checkRestrictedAccess(const std::string& method, const std::vector<std::string>& pattern, const Request& request);

}  // namespace lxdp::api
