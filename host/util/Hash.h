#pragma once

#include <string>

namespace lxdp::util {

// SHA-256 of data, lower-case hex.
std::string sha256Hex(const std::string& data);

// Incremental SHA-256 for streams (image uploads).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, size_t len);
    std::string hex();

private:
    void* ctx_;
};

}  // namespace lxdp::util
