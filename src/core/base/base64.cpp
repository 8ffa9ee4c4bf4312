#include "base/base64.h"

#include <sodium.h>

namespace fixtray {

std::string base64_encode(std::string_view bytes) {
    constexpr int variant = sodium_base64_VARIANT_ORIGINAL;
    std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), variant);
    out.resize(out.size() - 1);  // the encoded length counts the terminating NUL
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out(text.size() / 4 * 3 + 3, '\0');
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), " \t\r\n", &len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size())
        return std::nullopt;
    out.resize(len);
    return out;
}

}  // namespace fixtray
