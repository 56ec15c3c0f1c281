#include "util/Random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdio>
#include <stdexcept>

namespace lxdp::util {

namespace {
std::string randomHex(size_t bytes) {
    unsigned char buf[64];
    if (bytes > sizeof buf || RAND_bytes(buf, static_cast<int>(bytes)) != 1)
        throw std::runtime_error("the random number generator failed");
    std::string out;
    char hex[3];
    for (size_t i = 0; i < bytes; ++i) {
        snprintf(hex, sizeof hex, "%02x", buf[i]);
        out += hex;
    }
    return out;
}
}  // namespace

std::string randomSecret() { return randomHex(32); }

std::string randomUuid() {
    std::string h = randomHex(16);
    h[12] = '4';
    h[16] = "89ab"[h[16] % 4];
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

bool secretsEqual(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace lxdp::util
