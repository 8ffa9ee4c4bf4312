// Known secret values (a secret param's site value, a backend password) replaced by "***"
// wherever they appear as literal text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fixtray {

class SecretMask {
public:
    // Values shorter than kMinLength are not masked: masking "ab" everywhere would garble every
    // text and protect nothing. Duplicates and empty values are ignored.
    static constexpr std::size_t kMinLength = 4;
    static constexpr std::string_view kMask = "***";

    SecretMask() = default;
    explicit SecretMask(const std::vector<std::string>& values);
    void add(const std::string& value);

    bool empty() const { return values_.empty(); }
    const std::vector<std::string>& values() const { return values_; }  // longest first
    std::size_t longest() const { return values_.empty() ? 0 : values_.front().size(); }

    // Replaces every occurrence of every value in `text`; returns how many.
    int apply(std::string& text) const;
    // Does `text` hold any value? (The one found, or "".)
    std::string_view find_in(std::string_view text) const;

private:
    std::vector<std::string> values_;
};

// Masks a stream that arrives in chunks (a step's output as it is read): a value split across
// two chunks is masked too. feed() returns what is safe to show now and keeps back the end of
// the text that could still be the start of a value; finish() returns the rest.
class StreamingSecretMask {
public:
    explicit StreamingSecretMask(const SecretMask& mask) : mask_(mask) {}
    std::string feed(std::string_view chunk);
    std::string finish();

private:
    const SecretMask& mask_;
    std::string held_;
};

}  // namespace fixtray
