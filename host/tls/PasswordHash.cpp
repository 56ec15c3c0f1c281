#include "tls/PasswordHash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace lxdp::tls {

namespace {

// LXD's own parameters: N = 2^14, r = 8, p = 1, a 32-byte salt and a 64-byte key (16 MiB, ~50 ms).
constexpr int kLogN = 14, kR = 8, kP = 1;
constexpr size_t kSaltBytes = 32, kKeyBytes = 64;
constexpr uint64_t kMaxMem = 64ull * 1024 * 1024;
const std::string kPrefix = "scrypt$";

std::string toHex(const unsigned char* data, size_t len) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < len; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0xf];
    }
    return out;
}

bool fromHex(const std::string& hex, std::vector<unsigned char>& out) {
    if (hex.size() % 2 != 0) return false;
    out.clear();
    for (size_t i = 0; i < hex.size(); i += 2) {
        auto nibble = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            return -1;
        };
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out.push_back(static_cast<unsigned char>(hi << 4 | lo));
    }
    return true;
}

bool derive(const std::string& password, const std::vector<unsigned char>& salt, int logN, int r, int p,
            std::vector<unsigned char>& key) {
    return EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), uint64_t{1} << logN,
                          static_cast<uint64_t>(r), static_cast<uint64_t>(p), kMaxMem, key.data(), key.size()) == 1;
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t pos; (pos = text.find('$', start)) != std::string::npos; start = pos + 1)
        parts.push_back(text.substr(start, pos - start));
    parts.push_back(text.substr(start));
    return parts;
}

}  // namespace

std::string hashPassword(const std::string& password) {
    std::vector<unsigned char> salt(kSaltBytes), key(kKeyBytes);
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1 || !derive(password, salt, kLogN, kR, kP, key))
        throw std::runtime_error("cannot hash the trust password");
    return kPrefix + std::to_string(kLogN) + "$" + std::to_string(kR) + "$" + std::to_string(kP) + "$" +
           toHex(salt.data(), salt.size()) + "$" + toHex(key.data(), key.size());
}

bool isPasswordHash(const std::string& text) { return text.rfind(kPrefix, 0) == 0 && split(text).size() == 6; }

bool verifyPassword(const std::string& stored, const std::string& password) {
    if (!isPasswordHash(stored)) return false;
    const auto parts = split(stored);
    int logN = 0, r = 0, p = 0;
    try {
        logN = std::stoi(parts[1]);
        r = std::stoi(parts[2]);
        p = std::stoi(parts[3]);
    } catch (const std::exception&) {
        return false;
    }
    // Bounds keep a tampered hash from making every check allocate gigabytes.
    if (logN < 10 || logN > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
    std::vector<unsigned char> salt, expected;
    if (!fromHex(parts[4], salt) || !fromHex(parts[5], expected) || expected.empty()) return false;
    std::vector<unsigned char> key(expected.size());
    if (!derive(password, salt, logN, r, p, key)) return false;
    return CRYPTO_memcmp(key.data(), expected.data(), key.size()) == 0;
}

}  // namespace lxdp::tls
