#pragma once

#include <string>

namespace lxdp::util {

// 32 random bytes as 64 hex digits, from the OpenSSL CSPRNG (websocket secrets).
std::string randomSecret();
// A random (version 4) UUID.
std::string randomUuid();
// Compares secrets in constant time.
bool secretsEqual(const std::string& a, const std::string& b);

}  // namespace lxdp::util
