// Signatures in minisign's format (Ed25519 via libsodium): what a help desk makes with the stock
// `minisign -S` tool, checked before a feed index is parsed. See ../shared/FIELD-NOTES.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/digest.h"  // sha256_hex, which the feed checks packs and indexes with
#include "base/status.h"

namespace fixtray {

struct MinisignPublicKey {
    std::array<std::uint8_t, 8> key_id{};
    std::array<std::uint8_t, 32> key{};
    std::string source;  // where it was read from (file name), for messages
};

// The key id as minisign prints it (in the .pub file's comment): the little-endian 64-bit id in
// upper-case hex without leading zeros (so sometimes fewer than 16 digits).
std::string key_id_hex(const std::array<std::uint8_t, 8>& key_id);

// Parses a public key: the text of a minisign .pub file (an "untrusted comment:" line, then the
// base64 line) or the bare base64 line (`minisign -P KEY`). A failure's message starts with
// "SOURCE: " (when source is not empty).
Result<MinisignPublicKey> parse_minisign_public_key(std::string_view text,
                                                    const std::string& source);

struct MinisignVerification {
    bool ok = false;
    std::string error;            // why not, for a person: names the key id, the problem
    std::string trusted_comment;  // the signed "trusted comment:" text (only when ok)
    std::string key_id;           // key_id_hex of the key that signed (also on a wrong-key error)
};

// Verifies a .minisig text over exactly `data` with whichever of `keys` has the signature's key
// id. Only the prehashed form ("ED": Ed25519 over BLAKE2b-512 of the data) is accepted; the
// legacy "Ed" form, unknown algorithms, malformed text, an unknown key id, a bad signature or a
// bad global signature (over signature || trusted comment) are refused with a message.
MinisignVerification verify_minisign(std::string_view data, std::string_view signature_text,
                                     const std::vector<MinisignPublicKey>& keys);

// Every *.pub file in `dir`, sorted by name. The directory and every key file must be owned by
// root and writable only by root (check_root_owned); a file that is not, or does not parse, is
// left out and named in *problems with the reason, and so is any other file in `dir` (only *.pub
// files are keys: a "helpdesk.key" there is ignored, and said so). An empty result means no key
// is trusted.
std::vector<MinisignPublicKey> load_trusted_keys(const std::string& dir,
                                                 std::vector<std::string>* problems);

}  // namespace fixtray
