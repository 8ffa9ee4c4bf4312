#include "feed/minisign.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "base/base64.h"
#include "platform/read_file.h"
#include "platform/trusted_path.h"

namespace fixtray {

namespace {

constexpr std::size_t kMaxSignatureText = 4 * 1024;
constexpr std::size_t kMaxKeyFile = 4 * 1024;
constexpr std::string_view kUntrustedPrefix = "untrusted comment: ";
constexpr std::string_view kTrustedPrefix = "trusted comment: ";

// libsodium's own initialisation is thread-safe and idempotent; this only turns a failure into
// an exception once instead of at every call.
void ensure_sodium() {
    static const int status = sodium_init();
    if (status < 0) throw std::runtime_error("libsodium could not be initialised");
}

// Splits into lines on '\n', dropping a '\r' before it; a final newline ends the last line.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.push_back(line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// Base64 without embedded spaces or line breaks (what minisign writes).
std::optional<std::string> decode_line(std::string_view line) {
    if (line.find_first_of(" \t") != std::string_view::npos) return std::nullopt;
    return base64_decode(line);
}

std::string trusted_ids(const std::vector<MinisignPublicKey>& keys) {
    if (keys.empty()) return "none";
    std::string out;
    for (const auto& k : keys) {
        if (!out.empty()) out += ", ";
        out += key_id_hex(k.key_id);
        if (!k.source.empty()) out += " from " + k.source;
    }
    return out;
}

}  // namespace

std::string key_id_hex(const std::array<std::uint8_t, 8>& key_id) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    // minisign prints the id as a little-endian uint64: the last byte first.
    for (auto it = key_id.rbegin(); it != key_id.rend(); ++it) {
        out.push_back(digits[*it >> 4]);
        out.push_back(digits[*it & 0x0f]);
    }
    // ... with printf("%" PRIX64), so without leading zeros (checked against minisign 0.11).
    const auto first = out.find_first_not_of('0');
    return first == std::string::npos ? "0" : out.substr(first);
}

Result<MinisignPublicKey> parse_minisign_public_key(std::string_view text,
                                                    const std::string& source) {
    const auto fail = [&](const std::string& why) -> Result<MinisignPublicKey> {
        return Status::error((source.empty() ? "" : source + ": ") + why);
    };
    if (text.size() > kMaxKeyFile) return fail("not a minisign public key: the text is too long");
    std::vector<std::string_view> lines = split_lines(text);
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    std::string_view key_line;
    if (lines.size() == 1) {
        key_line = lines[0];
    } else if (lines.size() == 2 && starts_with(lines[0], kUntrustedPrefix)) {
        key_line = lines[1];
    } else {
        return fail(
            "not a minisign public key: expected an \"untrusted comment:\" line and a base64 "
            "line (a minisign .pub file), or the base64 line alone");
    }
    const auto bytes = decode_line(key_line);
    if (!bytes || bytes->size() != 2 + 8 + crypto_sign_PUBLICKEYBYTES)
        return fail("not a minisign public key: the key line is not base64 of 42 bytes");
    if (bytes->compare(0, 2, "Ed") != 0)
        return fail("not a minisign public key: unknown algorithm (expected \"Ed\")");
    MinisignPublicKey key;
    std::memcpy(key.key_id.data(), bytes->data() + 2, key.key_id.size());
    std::memcpy(key.key.data(), bytes->data() + 10, key.key.size());
    key.source = source;
    return key;
}

MinisignVerification verify_minisign(std::string_view data, std::string_view signature_text,
                                     const std::vector<MinisignPublicKey>& keys) {
    ensure_sodium();
    MinisignVerification v;
    const auto fail = [&](std::string why) {
        v.ok = false;
        v.error = std::move(why);
        v.trusted_comment.clear();
        return v;
    };
    if (signature_text.empty()) return fail("not a minisign signature: the signature is empty");
    if (signature_text.size() > kMaxSignatureText)
        return fail("not a minisign signature: larger than " + std::to_string(kMaxSignatureText) +
                    " bytes");
    std::vector<std::string_view> lines = split_lines(signature_text);
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    if (lines.empty() || !starts_with(lines[0], kUntrustedPrefix))
        return fail("not a minisign signature: line 1 is not an \"untrusted comment:\" line");
    if (lines.size() != 4)
        return fail("not a minisign signature: expected 4 lines, found " +
                    std::to_string(lines.size()));

    const auto sig = decode_line(lines[1]);
    if (!sig || sig->size() != 2 + 8 + crypto_sign_BYTES)
        return fail("not a minisign signature: line 2 is not base64 of 74 bytes");
    if (sig->compare(0, 2, "Ed") == 0)
        return fail(
            "the signature is in minisign's legacy non-prehashed form (\"Ed\"), which is not "
            "accepted: sign again with minisign 0.8 or later without -l (prehashed is the "
            "default)");
    if (sig->compare(0, 2, "ED") != 0)
        return fail("not a minisign signature: line 2 names an unknown algorithm");
    if (!starts_with(lines[2], kTrustedPrefix))
        return fail("not a minisign signature: line 3 is not a \"trusted comment:\" line");
    const auto global_sig = decode_line(lines[3]);
    if (!global_sig || global_sig->size() != crypto_sign_BYTES)
        return fail("not a minisign signature: line 4 is not base64 of 64 bytes");

    std::array<std::uint8_t, 8> key_id{};
    std::memcpy(key_id.data(), sig->data() + 2, key_id.size());
    v.key_id = key_id_hex(key_id);
    const auto key = std::find_if(keys.begin(), keys.end(),
                                  [&](const MinisignPublicKey& k) { return k.key_id == key_id; });
    if (key == keys.end())
        return fail("signed with key " + v.key_id +
                    " which is not trusted (trusted: " + trusted_ids(keys) + ")");

    const auto* sig_bytes = reinterpret_cast<const unsigned char*>(sig->data() + 10);
    unsigned char hash[crypto_generichash_BYTES_MAX];
    static_assert(sizeof hash == 64);
    crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(data.data()),
                       data.size(), nullptr, 0);
    if (crypto_sign_verify_detached(sig_bytes, hash, sizeof hash, key->key.data()) != 0)
        return fail("signature does not match the data (key " + v.key_id + ")");

    const std::string_view comment = lines[2].substr(kTrustedPrefix.size());
    std::string signed_part(reinterpret_cast<const char*>(sig_bytes), crypto_sign_BYTES);
    signed_part.append(comment);
    if (crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(global_sig->data()),
                                    reinterpret_cast<const unsigned char*>(signed_part.data()),
                                    signed_part.size(), key->key.data()) != 0)
        return fail("trusted comment was tampered with (the global signature does not match)");

    v.ok = true;
    v.error.clear();
    v.trusted_comment = std::string(comment);
    return v;
}

std::vector<MinisignPublicKey> load_trusted_keys(const std::string& dir,
                                                 std::vector<std::string>* problems) {
    std::vector<MinisignPublicKey> keys;
    const auto problem = [&](std::string p) {
        if (problems) problems->push_back(std::move(p));
    };
    if (Status trusted = check_root_owned(dir); !trusted) {
        problem("trusted key directory " + dir + " is not used: " + trusted.message());
        return keys;
    }
    std::vector<std::string> files, ignored;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::filesystem::path& p = it->path();
        if (p.extension() == ".pub")
            files.push_back(p.string());
        else
            ignored.push_back(p.string());
    }
    if (ec) {
        problem("cannot list " + dir + ": " + ec.message());
        return keys;
    }
    std::sort(files.begin(), files.end());
    std::sort(ignored.begin(), ignored.end());
    for (const auto& file : ignored)
        problem(file + " is ignored: only *.pub files (from `minisign -G`) are trusted keys");
    for (const auto& file : files) {
        if (Status trusted = check_root_owned(file); !trusted) {
            problem("key " + file + " is not used: " + trusted.message());
            continue;
        }
        std::string text;
        if (Status read = read_file_bounded(file, kMaxKeyFile, text); !read) {
            problem("key " + file + " is not used: " + read.message());
            continue;
        }
        if (Result<MinisignPublicKey> key = parse_minisign_public_key(text, file)) {
            keys.push_back(std::move(key).value());
        } else {
            problem(key.message() + " (key not used)");
        }
    }
    return keys;
}

}  // namespace fixtray
