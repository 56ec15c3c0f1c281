// core.trust_password is kept only as a salted scrypt hash, in the form
// "scrypt$<log2 N>$<r>$<p>$<salt hex>$<hash hex>", and checked in constant time.
#pragma once

#include <string>

namespace lxdp::tls {

std::string hashPassword(const std::string& password);
// True when password matches a hash made by hashPassword; false for anything malformed.
bool verifyPassword(const std::string& stored, const std::string& password);
// Whether text is a stored hash (what a PUT of the hidden value must not replace).
bool isPasswordHash(const std::string& text);

}  // namespace lxdp::tls
