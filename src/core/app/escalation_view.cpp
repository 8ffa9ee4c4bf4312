#include "app/escalation_view.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/i18n.h"

namespace fixtray {

std::string human_size(std::uint64_t bytes) {
    if (bytes < 1000)
        // TRANSLATORS: a size; %s is the number of bytes.
        return trfn("%s byte", "%s bytes", static_cast<unsigned long>(bytes),
                    {std::to_string(bytes)});
    // TRANSLATORS: sizes in kilobytes, megabytes... (powers of 1000); %s is the number with
    // one decimal ("4.2").
    static constexpr const char* units[] = {N_("%s KB"), N_("%s MB"), N_("%s GB"), N_("%s TB")};
    double v = static_cast<double>(bytes) / 1000.0;
    int u = 0;
    while (v >= 999.95 && u < 3) {
        v /= 1000.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return trf(units[u], {buf});
}

namespace {

int count_of(const nlohmann::json& r, const char* key) {
    const auto it = r.find(key);
    return it != r.end() && it->is_number_integer() ? it->get<int>() : 0;
}

// "a", "a and b", "a, b and c" in the user's language.
std::string join(const std::vector<std::string>& parts) {
    if (parts.empty()) return {};
    std::string out = parts.back();
    if (parts.size() == 1) return out;
    // TRANSLATORS: joins the last two things in a list of what fixtray masked: "2 passwords or
    // tokens and 1 private key".
    out = trf("%1$s and %2$s", {parts[parts.size() - 2], out});
    for (std::size_t i = parts.size() - 2; i-- > 0;)
        // TRANSLATORS: joins a thing to the rest of a list of what fixtray masked: "2 passwords
        // or tokens, 1 private key and 1 sign-in in a web address" (the rest is joined with
        // "%1$s and %2$s").
        out = trf("%1$s, %2$s", {parts[i], out});
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
    const auto count = [](int n) { return static_cast<unsigned long>(n < 0 ? 0 : n); };
    if (secrets)
        // TRANSLATORS: this and the next three are the things fixtray masked, listed in
        // "Before anything is sent, fixtray masked %s."; %s is the number.
        parts.push_back(trfn("%s password or token", "%s passwords or tokens", count(secrets),
                             {std::to_string(secrets)}));
    if (keys)
        parts.push_back(
            trfn("%s private key", "%s private keys", count(keys), {std::to_string(keys)}));
    if (urls)
        parts.push_back(trfn("%s sign-in in a web address", "%s sign-ins in web addresses",
                             count(urls), {std::to_string(urls)}));
    if (custom)
        parts.push_back(trfn("%s value your help desk asked to hide",
                             "%s values your help desk asked to hide", count(custom),
                             {std::to_string(custom)}));
    std::string text =
        parts.empty()
            ? tr("fixtray found no passwords, keys or tokens in what is attached.")
            // TRANSLATORS: %s lists what was masked: "2 passwords or tokens and 1 private key".
            : trf("Before anything is sent, fixtray masked %s.", {join(parts)});
    const auto p = manifest.find("pseudonymised");
    if (p != manifest.end() && p->is_boolean() && p->get<bool>()) {
        text += ' ';
        text += pseudonyms ? trfn("Your user and computer names were replaced %s time.",
                                  "Your user and computer names were replaced %s times.",
                                  count(pseudonyms), {std::to_string(pseudonyms)})
                           : tr("Your user and computer names are replaced wherever they appear.");
    }
    return text;
}

DeliverySentence delivery_sentence(const EscalationDelivery& delivery) {
    DeliverySentence s;
    const SendReport& r = delivery.report;
    if (!delivery.saved_dir.empty() && !delivery.saved_files.empty()) {
        s.kind = DeliverySentence::Kind::saved;
        s.text =
            // TRANSLATORS: %s is a folder ("/home/alice/Desktop").
            trf("No ticket system is set up here: a copy was saved in %s for you to send to your "
                "help desk.",
                {delivery.saved_dir});
        return s;
    }
    switch (r.result) {
        case SendReport::Result::delivered:
        case SendReport::Result::found_existing:
            if (!r.status.handed_to.empty()) {  // no ticket: the employee sends it on
                s.kind = DeliverySentence::Kind::saved;
                // The mail or save backend's own message (tickets/), English: it names the
                // files and where they are, and is kept in the outbox status.
                s.text = r.status.handed_message;
                return s;
            }
            s.kind = DeliverySentence::Kind::delivered;
            s.ticket_id = r.status.ticket_id;
            s.ticket_url = r.status.ticket_url;
            // TRANSLATORS: %s is the help desk's ticket number ("42").
            s.text = trf("Sent to your help desk as ticket %s.", {r.status.ticket_id});
            return s;
        case SendReport::Result::will_retry:
        case SendReport::Result::busy:
        case SendReport::Result::not_due:
            s.kind = DeliverySentence::Kind::later;
            s.text =
                tr("It will be sent when you are back online. It is kept safe on this computer "
                   "until then.");
            return s;
        case SendReport::Result::failed:
            s.kind = DeliverySentence::Kind::refused;
            s.text =
                // TRANSLATORS: %s is the help desk system's answer (English, technical).
                trf("Your help desk's system did not accept the request (%s). It is kept on this "
                    "computer; you can save a copy and send it by hand.",
                    {r.status.last_error});
            return s;
        case SendReport::Result::skipped:
        case SendReport::Result::error:
            break;
    }
    s.kind = DeliverySentence::Kind::error;
    // TRANSLATORS: %s is why (English, technical).
    s.text = trf("The request could not be handled: %s", {r.message});
    return s;
}

}  // namespace fixtray
