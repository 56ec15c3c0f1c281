#include "util/HostArchitecture.h"

#include <sys/utsname.h>

namespace lxdp::util {

std::string hostArchitecture() {
    struct utsname u {};
    ::uname(&u);
    return u.machine;
}

std::vector<std::string> hostArchitectures() {
    std::vector<std::string> out{hostArchitecture()};
    if (out.front() == "x86_64") out.push_back("i686");
    if (out.front() == "aarch64") out.push_back("armv7l");
    return out;
}

}  // namespace lxdp::util
