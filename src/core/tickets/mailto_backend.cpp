// The "mailto" fallback: see fallback_backends.h.
#include <string_view>

#include "platform/open_uri.h"
#include "tickets/backend_options.h"
#include "tickets/fallback_backends.h"
#include "tickets/http_delivery.h"

namespace fixtray {
namespace {

// Percent-encoding for mailto header values: unreserved stays, CR LF and bare LF become %0D%0A.
std::string encode_hfvalue(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') continue;
        if (text[i] == '\n') {
            out += "%0D%0A";
            continue;
        }
        out += url_encode(text.substr(i, 1));
    }
    return out;
}

// Length of the UTF-8 sequence starting with byte c (1 for stray bytes).
std::size_t sequence_length(unsigned char c) {
    if (c >= 0xF0) return 4;
    if (c >= 0xE0) return 3;
    if (c >= 0xC0) return 2;
    return 1;
}

std::string encode_address(std::string_view to) {
    // Keep '@' and ',' (several recipients) readable; everything else unusual is encoded.
    std::string out;
    for (std::size_t i = 0; i < to.size(); ++i) {
        if (to[i] == '@' || to[i] == ',')
            out += to[i];
        else
            out += url_encode(to.substr(i, 1));
    }
    return out;
}

class MailtoBackend final : public TicketBackend {
public:
    MailtoBackend(std::string to, std::string cc, std::size_t max_length, ProcessRunner* runner)
        : to_(std::move(to)), cc_(std::move(cc)), max_length_(max_length), runner_(runner) {}

    std::string describe() const override { return "e-mail to " + to_ + " (mail program)"; }

    LookupResult find(const SupportRequest&, const CancelToken&) override { return {}; }

    DeliveryResult create(const SupportRequest& sr, const CancelToken&) override {
        std::string files;
        for (const auto& a : sr.attachments) files += (files.empty() ? "" : ", ") + a.path;
        std::string body;
        if (!files.empty())
            body = "Please attach the diagnostics file before sending: " + files + "\n\n";
        body += sr.body();
        DeliveryResult d;
        const std::string uri = mailto_uri(to_, cc_, sr.tagged_subject(), body, max_length_);
        const Status opened =
            runner_ ? open_uri(uri, *runner_) : Status::error("no way to start programs was given");
        if (!opened) {
            // Nothing was handed over: keep it, and say how to send it by hand.
            d.kind = DeliveryResult::Kind::failed;
            d.message = "your mail program could not be opened for a message to " + to_ + ": " +
                        opened.message() +
                        "; `fixctl outbox save` copies the request to send "
                        "by hand";
            return d;
        }
        d.kind = DeliveryResult::Kind::delivered;
        d.ticket_url = uri;
        d.handed_to = "your mail program";
        d.message = "Your mail program has a message to " + to_ + " ready" +
                    (files.empty() ? "" : ": attach " + files + " to it") +
                    " and send it to reach the help desk.";
        return d;
    }

private:
    std::string to_, cc_;
    std::size_t max_length_;
    ProcessRunner* runner_;
};

}  // namespace

std::string mailto_uri(const std::string& to, const std::string& cc, const std::string& subject,
                       const std::string& body, std::size_t max_length) {
    std::string uri = "mailto:" + encode_address(to) + "?";
    if (!cc.empty()) uri += "cc=" + encode_address(cc) + "&";
    uri += "subject=" + encode_hfvalue(subject) + "&body=";
    const std::string full = encode_hfvalue(body);
    if (uri.size() + full.size() <= max_length) return uri + full;

    const std::string note = encode_hfvalue("\n[shortened to fit a mailto link]");
    std::size_t budget =
        max_length > uri.size() + note.size() ? max_length - uri.size() - note.size() : 0;
    std::string kept;
    for (std::size_t i = 0; i < body.size();) {
        const std::size_t n =
            std::min(sequence_length(static_cast<unsigned char>(body[i])), body.size() - i);
        const std::string piece = encode_hfvalue(std::string_view(body).substr(i, n));
        if (piece.size() > budget) break;
        kept += piece;
        budget -= piece.size();
        i += n;
    }
    return uri + kept + note;
}

Result<std::unique_ptr<TicketBackend>> make_mailto_backend(const BackendConfig& config,
                                                           ProcessRunner* runner) {
    BackendOptions o(config);
    const std::string to = o.required("to");
    const std::string cc = o.optional("cc");
    const std::string max = o.optional("max_length", "2000");
    std::size_t max_length = 2000;
    if (max.find_first_not_of("0123456789") != std::string::npos || max.size() > 6 ||
        (max_length = std::stoul(max)) < 200)
        o.fail("\"max_length\" must be a number of characters of at least 200: " + max);
    if (!to.empty() && to.find('@') == std::string::npos)
        o.fail("\"to\" must be an e-mail address: " + to);
    if (!o.ok()) {
        return Status::error(o.error());
    }
    return std::make_unique<MailtoBackend>(to, cc, max_length, runner);
}

}  // namespace fixtray
