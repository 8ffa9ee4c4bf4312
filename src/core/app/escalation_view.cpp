#include "app/escalation_view.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

namespace fixtray {

std::string human_size(std::uint64_t bytes) {
    if (bytes < 1000) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    const char* units[] = {"KB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes) / 1000.0;
    int u = 0;
    while (v >= 999.95 && u < 3) {
        v /= 1000.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

namespace {

int count_of(const nlohmann::json& r, const char* key) {
    const auto it = r.find(key);
    return it != r.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::string plural(int n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
        out += parts[i];
    }
    return out;
}

}  // namespace

std::string masked_sentence(const nlohmann::json& manifest) {
    int keys = 0, urls = 0, secrets = 0, custom = 0, pseudonyms = 0;
    if (const auto items = manifest.find("items"); items != manifest.end() && items->is_array()) {
        for (const auto& item : *items) {
            if (!item.is_object()) continue;
            if (const auto removed = item.find("removed");
                removed != item.end() && removed->is_boolean() && removed->get<bool>())
                continue;
            const auto r = item.find("redactions");
            if (r == item.end() || !r->is_object()) continue;
            keys += count_of(*r, "private_keys");
            urls += count_of(*r, "url_credentials");
            secrets += count_of(*r, "secrets");
            custom += count_of(*r, "custom");
            pseudonyms += count_of(*r, "pseudonyms");
        }
    }
    std::vector<std::string> parts;
    if (secrets) parts.push_back(plural(secrets, "password or token", "passwords or tokens"));
    if (keys) parts.push_back(plural(keys, "private key", "private keys"));
    if (urls)
        parts.push_back(plural(urls, "sign-in in a web address", "sign-ins in web addresses"));
    if (custom)
        parts.push_back(plural(custom, "value your help desk asked to hide",
                               "values your help desk asked to hide"));
    std::string text = parts.empty()
                           ? "fixtray found no passwords, keys or tokens in what is attached."
                           : "Before anything is sent, fixtray masked " + join(parts) + ".";
    const auto p = manifest.find("pseudonymised");
    if (p != manifest.end() && p->is_boolean() && p->get<bool>())
        text += pseudonyms ? " Your user and computer names were replaced " +
                                 plural(pseudonyms, "time.", "times.")
                           : " Your user and computer names are replaced wherever they appear.";
    return text;
}

DeliverySentence delivery_sentence(const EscalationDelivery& delivery) {
    DeliverySentence s;
    const SendReport& r = delivery.report;
    if (!delivery.saved_dir.empty() && !delivery.saved_files.empty()) {
        s.kind = DeliverySentence::Kind::saved;
        s.text = "No ticket system is set up here: a copy was saved in " + delivery.saved_dir +
                 " for you to send to your help desk.";
        return s;
    }
    switch (r.result) {
        case SendReport::Result::delivered:
        case SendReport::Result::found_existing:
            if (!r.status.handed_to.empty()) {  // no ticket: the employee sends it on
                s.kind = DeliverySentence::Kind::saved;
                s.text = r.status.handed_message;
                return s;
            }
            s.kind = DeliverySentence::Kind::delivered;
            s.ticket_id = r.status.ticket_id;
            s.ticket_url = r.status.ticket_url;
            s.text = "Sent to your help desk as ticket " + r.status.ticket_id + ".";
            return s;
        case SendReport::Result::will_retry:
        case SendReport::Result::busy:
        case SendReport::Result::not_due:
            s.kind = DeliverySentence::Kind::later;
            s.text =
                "It will be sent when you are back online. It is kept safe on this computer "
                "until then.";
            return s;
        case SendReport::Result::failed:
            s.kind = DeliverySentence::Kind::refused;
            s.text = "Your help desk's system did not accept the request (" + r.status.last_error +
                     "). It is kept on this computer; you can save a copy and send it by hand.";
            return s;
        case SendReport::Result::skipped:
        case SendReport::Result::error:
            break;
    }
    s.kind = DeliverySentence::Kind::error;
    s.text = "The request could not be handled: " + r.message;
    return s;
}

}  // namespace fixtray
