#include "tickets/support_request.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "base/time_text.h"

namespace fixtray {

using nlohmann::json;

std::string SupportRequest::body() const {
    std::string text = description;
    if (!comment.empty()) {
        if (!text.empty() && text.back() != '\n') text += '\n';
        text += "\nIn the employee's words:\n" + comment + "\n";
    }
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += "\nContact: " + (contact.name.empty() ? user : contact.name);
    if (!contact.email.empty()) text += " <" + contact.email + ">";
    if (!contact.phone.empty()) text += ", phone " + contact.phone;
    text += "\nMachine: " + host;
    if (!os.empty()) text += " (" + os + ")";
    if (!run_id.empty()) text += "\nFix run: " + fix_id + ", run id " + run_id;
    text += "\nfixtray request id: " + id + "\n";
    return text;
}

json to_json(const SupportRequest& r) {
    json attachments = json::array();
    for (const auto& a : r.attachments)
        attachments.push_back({{"file_name", a.file_name},
                               {"mime_type", a.mime_type},
                               {"path", a.path},
                               {"size", a.size}});
    return {{"format", 1},
            {"id", r.id},
            {"created", format_time_utc(r.created)},
            {"subject", r.subject},
            {"description", r.description},
            {"comment", r.comment},
            {"contact",
             {{"name", r.contact.name}, {"email", r.contact.email}, {"phone", r.contact.phone}}},
            {"user", r.user},
            {"host", r.host},
            {"os", r.os},
            {"fix_id", r.fix_id},
            {"run_id", r.run_id},
            {"attachments", attachments}};
}

SupportRequest support_request_from_json(const json& j) {
    SupportRequest r;
    r.id = j.at("id").get<std::string>();
    r.created = parse_time_utc(j.value("created", ""));
    r.subject = j.at("subject").get<std::string>();
    r.description = j.value("description", "");
    r.comment = j.value("comment", "");
    if (auto it = j.find("contact"); it != j.end() && it->is_object()) {
        r.contact.name = it->value("name", "");
        r.contact.email = it->value("email", "");
        r.contact.phone = it->value("phone", "");
    }
    r.user = j.value("user", "");
    r.host = j.value("host", "");
    r.os = j.value("os", "");
    r.fix_id = j.value("fix_id", "");
    r.run_id = j.value("run_id", "");
    if (auto it = j.find("attachments"); it != j.end())
        for (const auto& a : it->get_ref<const json::array_t&>())
            r.attachments.push_back({a.at("file_name").get<std::string>(),
                                     a.value("mime_type", "application/octet-stream"),
                                     a.at("path").get<std::string>(),
                                     a.value("size", std::uint64_t{0})});
    return r;
}

Result<std::string> read_attachment(const AttachmentRef& a, std::uint64_t max_bytes) {
    std::ifstream in(a.path, std::ios::binary);
    if (!in) return Status::error("cannot read attachment " + a.path);
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::uint64_t>(in.tellg());
    if (size > max_bytes)
        return Status::error("attachment " + a.path + " is " + std::to_string(size) +
                             " bytes, over the limit of " + std::to_string(max_bytes));
    in.seekg(0);
    std::string content(size, '\0');
    if (size > 0 && !in.read(content.data(), static_cast<std::streamsize>(size)))
        return Status::error("cannot read attachment " + a.path);
    return content;
}

}  // namespace fixtray
