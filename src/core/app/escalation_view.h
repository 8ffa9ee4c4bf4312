// Sentences the escalation dialog shows (the tray's "Get help from IT" window), in plain
// language and in the user's language (tr()): sizes, what was masked, what happened to the
// request.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "app/escalation_session.h"

namespace fixtray {

// "812 bytes", "4.2 KB", "1.3 MB" (powers of 1000, as GNOME's file manager shows them).
// For display only.
std::string human_size(std::uint64_t bytes);

// What was masked in the items still in the bundle, from its manifest: "Before anything is
// sent, fixtray masked 2 passwords or tokens and 1 sign-in in a web address." and whether
// user and host names were replaced; or that none was found.
std::string masked_sentence(const nlohmann::json& manifest);

// What happened to a request after Send, for the employee.
struct DeliverySentence {
    enum class Kind { delivered, later, refused, saved, error } kind = Kind::error;
    // For the employee. A request handed to the mail program or saved to a folder is told in
    // its backend's own (English) message, which names the files and where they are.
    std::string text;
    std::string ticket_id, ticket_url;  // delivered
};
DeliverySentence delivery_sentence(const EscalationDelivery& delivery);

}  // namespace fixtray
