#include "util/FaultPoint.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace lxdp::util {

namespace detail {
bool faultPointArmed = false;
}

namespace {

std::string armedName;
long armedCount = 1;
bool armedToFail = false;
std::atomic<long> arrivals{0};

}  // namespace

void armFaultPoint() {
    const char* env = std::getenv("LXDP_FAULT_POINT");
    if (env == nullptr || *env == '\0') return;
    std::string spec = env;
    if (const auto colon = spec.rfind(':'); colon != std::string::npos && spec.substr(colon + 1) == "fail") {
        armedToFail = true;
        spec.erase(colon);
    }
    if (const auto colon = spec.find(':'); colon != std::string::npos) {
        armedCount = std::strtol(spec.c_str() + colon + 1, nullptr, 10);
        if (armedCount < 1) armedCount = 1;
        spec.erase(colon);
    }
    armedName = spec;
    detail::faultPointArmed = true;
}

void detail::reachFaultPoint(std::string_view name) {
    if (name != armedName || ++arrivals != armedCount) return;
    if (armedToFail) throw std::runtime_error("injected failure at fault point " + armedName);
    // Straight to stderr (the log may buffer): the tests read which point fired.
    const std::string line = "fault point " + armedName + " reached: killing the daemon\n";
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
    ::raise(SIGKILL);
}

}  // namespace lxdp::util
