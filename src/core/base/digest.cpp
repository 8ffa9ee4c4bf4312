#include "base/digest.h"

#include <sodium.h>

#include <stdexcept>

namespace fixtray {

std::string sha256_hex(std::string_view data) {
    static const int status = sodium_init();
    if (status < 0) throw std::runtime_error("libsodium could not be initialised");
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    char hex[2 * sizeof hash + 1];
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    return hex;
}

}  // namespace fixtray
