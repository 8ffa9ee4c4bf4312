// The HTTPS JSON ticket presets against loopback fakes of each vendor's API: request shapes as
// the vendors document them, find() by correlation id, and the shared status handling.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/base64.h"
#include "base/cancel_token.h"
#include "net/http_client.h"
#include "net/http_retry_after.h"
#include "support/builtin_test_support.h"
#include "support/fake_ticket_server.h"
#include "tickets/backend_options.h"
#include "tickets/http_delivery.h"
#include "tickets/http_ticket_backends.h"

using namespace fixtray;
using namespace std::chrono_literals;
using nlohmann::json;
using test::config_for;
using test::HttpReply;
using test::LocalHttpServer;
using test::parse_multipart;
using test::parse_received;
using test::ReceivedRequest;

namespace {

HttpReply json_reply(int status, const json& body) {
    HttpReply r;
    r.status = status;
    r.body = body.dump();
    r.headers = {{"Content-Type", "application/json"}};
    return r;
}

struct Run {
    CurlHttpClient http;
    CancelToken cancel;
    std::unique_ptr<TicketBackend> backend;

    explicit Run(const BackendConfig& config) {
        auto made = make_http_preset_backend(config, http);
        INFO(made.message());
        REQUIRE(made);
        backend = std::move(made).value();
        REQUIRE(backend != nullptr);
    }
    DeliveryResult create(const SupportRequest& r) { return backend->create(r, cancel); }
    LookupResult find(const SupportRequest& r) { return backend->find(r, cancel); }
};

std::string make_error(const BackendConfig& config) {
    CurlHttpClient http;
    const auto b = make_http_preset_backend(config, http);
    CHECK_FALSE(b);
    return b.message();
}

std::vector<ReceivedRequest> received(const LocalHttpServer& s) {
    std::vector<ReceivedRequest> out;
    for (const auto& raw : s.requests()) out.push_back(parse_received(raw));
    return out;
}

// FakeZammad: POST /api/v1/tickets and GET /api/v1/tickets/search?expand=true.
HttpReply fake_zammad(const std::string& raw, const SupportRequest& sr) {
    const ReceivedRequest r = parse_received(raw);
    if (r.method == "POST" && r.path == "/api/v1/tickets")
        return json_reply(201, {{"id", 42}, {"number", "31042"}, {"title", sr.tagged_subject()}});
    if (r.method == "GET" && r.path == "/api/v1/tickets/search")
        return json_reply(
            200, json::array({{{"id", 7}, {"number", "31007"}, {"title", "other"}},
                              {{"id", 42}, {"number", "31042"}, {"title", sr.tagged_subject()}}}));
    return json_reply(404, {{"error", "no route"}});
}

}  // namespace

TEST_CASE("zammad preset: one POST /api/v1/tickets with the article and the bundle in base64") {
    // FakeZammad checks token auth, title, group, customer guess and the attachment round trip.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server([&](const std::string& raw) { return fake_zammad(raw, sr); });
    Run run(config_for("zammad", server.url(""), {{"token", "zt-1"}, {"group", "Support"}}));
    const DeliveryResult d = run.create(sr);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id == "31042");
    CHECK(d.ticket_url == server.url("/#ticket/zoom/42"));

    const auto reqs = received(server);
    REQUIRE(reqs.size() == 1);
    const ReceivedRequest& r = reqs[0];
    CHECK(r.header("authorization") == "Token token=zt-1");
    CHECK(r.header("content-type") == "application/json");
    const json j = r.json();
    CHECK(j["title"] == sr.tagged_subject());
    CHECK(j["group"] == "Support");
    CHECK(j["customer_id"] == "guess:erika@example.com");
    CHECK(j["article"]["body"] == sr.body());
    CHECK(j["article"]["type"] == "note");
    CHECK(j["article"]["content_type"] == "text/plain");
    REQUIRE(j["article"]["attachments"].size() == 1);
    const json& a = j["article"]["attachments"][0];
    CHECK(a["filename"] == "fixtray-diagnostics.tar.gz");
    CHECK(a["mime-type"] == "application/gzip");
    CHECK(base64_decode(a["data"].get<std::string>()) == test::bundle_bytes());
}

TEST_CASE("zammad preset: find() searches the correlation id and matches the tag in the title") {
    // FakeZammad's search returns an unrelated ticket first and ours second.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server([&](const std::string& raw) { return fake_zammad(raw, sr); });
    Run run(config_for("zammad", server.url(""), {{"token", "zt-1"}, {"group", "Support"}}));
    const LookupResult l = run.find(sr);
    CHECK(l.kind == LookupResult::Kind::found);
    CHECK(l.ticket_id == "31042");
    const ReceivedRequest r = received(server).at(0);
    CHECK(r.query.at("query") == "\"" + sr.id + "\"");
    CHECK(r.query.at("expand") == "true");
    SupportRequest other = sr;
    other.id = "ffffffff-0000-0000-0000-000000000000";
    CHECK(run.find(other).kind == LookupResult::Kind::not_found);
}

namespace {

// FakeGlpi: initSession, Ticket/, Document/ (multipart), search/Ticket, killSession.
struct FakeGlpi {
    SupportRequest sr;
    int ticket_status = 201;
    HttpReply operator()(const std::string& raw) const {
        const ReceivedRequest r = parse_received(raw);
        if (r.path == "/apirest.php/initSession") {
            if (r.header("authorization") != "user_token ut-1" || r.header("app-token") != "at-1")
                return json_reply(401, json::array({"ERROR_GLPI_LOGIN_USER_TOKEN", "bad token"}));
            return json_reply(200, {{"session_token", "st-9"}});
        }
        if (r.header("session-token") != "st-9")
            return json_reply(401, json::array({"ERROR_SESSION_TOKEN_INVALID", "no session"}));
        if (r.method == "POST" && r.path == "/apirest.php/Ticket/") {
            if (ticket_status != 201)
                return json_reply(ticket_status,
                                  json::array({"ERROR_GLPI_ADD", "category is mandatory"}));
            return json_reply(201, {{"id", 15}, {"message", ""}});
        }
        if (r.method == "POST" && r.path == "/apirest.php/Document/")
            return json_reply(201, {{"id", 3}, {"message", "Document move succeeded."}});
        if (r.method == "GET" && r.path == "/apirest.php/search/Ticket")
            return json_reply(200,
                              {{"totalcount", 1},
                               {"count", 1},
                               {"data", json::array({{{"1", sr.tagged_subject()}, {"2", 15}}})}});
        if (r.method == "GET" && r.path == "/apirest.php/killSession") return json_reply(200, {});
        return json_reply(400, json::array({"ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM", ""}));
    }
};

BackendConfig glpi_config(const LocalHttpServer& s) {
    return config_for("glpi", s.url("/apirest.php"),
                      {{"user_token", "ut-1"}, {"app_token", "at-1"}});
}

}  // namespace

TEST_CASE("glpi preset: initSession, Ticket, Document linked to the ticket, killSession") {
    // FakeGlpi checks the session headers, the ticket input and the multipart upload manifest.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server(FakeGlpi{sr});
    Run run(glpi_config(server));
    const DeliveryResult d = run.create(sr);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id == "15");
    CHECK(d.ticket_url == server.url("/front/ticket.form.php?id=15"));

    const auto reqs = received(server);
    REQUIRE(reqs.size() == 4);
    CHECK(reqs[0].target == "/apirest.php/initSession");
    CHECK(reqs[3].target == "/apirest.php/killSession");
    CHECK(reqs[3].header("session-token") == "st-9");
    const json ticket = reqs[1].json();
    CHECK(ticket["input"]["name"] == sr.tagged_subject());
    CHECK(ticket["input"]["type"] == 1);
    const std::string content = ticket["input"]["content"];
    CHECK(content.find("payroll &lt;today&gt; &amp; tomorrow") != std::string::npos);
    CHECK(content.find("<br>") != std::string::npos);

    CHECK(reqs[2].header("content-type").rfind("multipart/form-data; boundary=", 0) == 0);
    const auto parts = parse_multipart(reqs[2]);
    REQUIRE(parts.size() == 2);
    CHECK(parts[0].name == "uploadManifest");
    CHECK(parts[0].content_type == "application/json");
    const json manifest = json::parse(parts[0].data);
    CHECK(manifest["input"]["_filename"] == json::array({"fixtray-diagnostics.tar.gz"}));
    CHECK(manifest["input"]["itemtype"] == "Ticket");
    CHECK(manifest["input"]["items_id"] == 15);
    CHECK(parts[1].name == "filename[0]");
    CHECK(parts[1].filename == "fixtray-diagnostics.tar.gz");
    CHECK(parts[1].content_type == "application/gzip");
    CHECK(parts[1].data == test::bundle_bytes());
}

TEST_CASE("glpi preset: the session is killed even when creating the ticket fails") {
    // FakeGlpi refuses the ticket with 400 and GLPI's ["ERROR_...", "text"] error body.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    FakeGlpi fake{sr};
    fake.ticket_status = 400;
    LocalHttpServer server(fake);
    Run run(glpi_config(server));
    const DeliveryResult d = run.create(sr);
    CHECK(d.kind == DeliveryResult::Kind::failed);
    CHECK(d.message.find("HTTP 400") != std::string::npos);
    CHECK(d.message.find("category is mandatory") != std::string::npos);
    const auto reqs = received(server);
    REQUIRE(reqs.size() == 3);
    CHECK(reqs[2].target == "/apirest.php/killSession");
}

TEST_CASE("glpi preset: find() searches ticket names for the tag inside a session") {
    // FakeGlpi's search answers one row keyed by field ids "1" (name) and "2" (id).
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server(FakeGlpi{sr});
    Run run(glpi_config(server));
    const LookupResult l = run.find(sr);
    CHECK(l.kind == LookupResult::Kind::found);
    CHECK(l.ticket_id == "15");
    const auto reqs = received(server);
    REQUIRE(reqs.size() == 3);
    CHECK(reqs[1].query.at("criteria[0][field]") == "1");
    CHECK(reqs[1].query.at("criteria[0][searchtype]") == "contains");
    CHECK(reqs[1].query.at("criteria[0][value]") == sr.correlation_tag());
    CHECK(reqs[2].path == "/apirest.php/killSession");
}

namespace {

// FakeJiraServiceManagement: attachTemporaryFile, request, request/{key}/attachment, request list.
HttpReply fake_jira(const std::string& raw, const SupportRequest& sr) {
    const ReceivedRequest r = parse_received(raw);
    if (r.header("authorization") != "Basic " + base64_encode("erika@example.com:jt-1"))
        return json_reply(401, {{"errorMessage", "Client must be authenticated"}});
    if (r.method == "POST" && r.path == "/rest/servicedeskapi/servicedesk/7/attachTemporaryFile") {
        if (r.header("x-atlassian-token") != "no-check")
            return json_reply(403, {{"errorMessage", "XSRF check failed"}});
        return json_reply(201, {{"temporaryAttachments",
                                 json::array({{{"temporaryAttachmentId", "temp-1"},
                                               {"fileName", "fixtray-diagnostics.tar.gz"}}})}});
    }
    const json web = {{"web", "https://jira.example.com/servicedesk/customer/portal/7/HD-12"}};
    if (r.method == "POST" && r.path == "/rest/servicedeskapi/request")
        return json_reply(201, {{"issueId", "10001"}, {"issueKey", "HD-12"}, {"_links", web}});
    if (r.method == "POST" && r.path == "/rest/servicedeskapi/request/HD-12/attachment")
        return json_reply(201, {{"attachments", {{"values", json::array()}}}});
    if (r.method == "GET" && r.path == "/rest/servicedeskapi/request")
        return json_reply(
            200,
            {{"size", 1},
             {"values",
              json::array({{{"issueKey", "HD-12"},
                            {"requestFieldValues", json::array({{{"fieldId", "summary"},
                                                                 {"value", sr.tagged_subject()}}})},
                            {"_links", web}}})}});
    return json_reply(404, {{"errorMessage", "no route"}});
}

BackendConfig jira_config(const LocalHttpServer& s) {
    return config_for("jira", s.url(""),
                      {{"service_desk_id", "7"},
                       {"request_type_id", "25"},
                       {"user", "erika@example.com"},
                       {"token", "jt-1"}});
}

}  // namespace

TEST_CASE("jira preset: temporary file, request, then the attachment added to the request") {
    // FakeJiraServiceManagement checks Basic e-mail:token auth, the XSRF header and the payloads.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server([&](const std::string& raw) { return fake_jira(raw, sr); });
    Run run(jira_config(server));
    const DeliveryResult d = run.create(sr);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id == "HD-12");
    CHECK(d.ticket_url == "https://jira.example.com/servicedesk/customer/portal/7/HD-12");

    const auto reqs = received(server);
    REQUIRE(reqs.size() == 3);
    const auto parts = parse_multipart(reqs[0]);
    REQUIRE(parts.size() == 1);
    CHECK(parts[0].name == "file");
    CHECK(parts[0].filename == "fixtray-diagnostics.tar.gz");
    CHECK(parts[0].data == test::bundle_bytes());
    const json req = reqs[1].json();
    CHECK(req["serviceDeskId"] == "7");
    CHECK(req["requestTypeId"] == "25");
    CHECK(req["requestFieldValues"]["summary"] == sr.tagged_subject());
    CHECK(req["requestFieldValues"]["description"] == sr.body());
    const json attach = reqs[2].json();
    CHECK(attach["temporaryAttachmentIds"] == json::array({"temp-1"}));
    CHECK(attach["public"] == true);
}

TEST_CASE(
    "jira preset: find() lists the caller's requests with searchTerm and checks the summary") {
    // FakeJiraServiceManagement answers one request whose summary carries the tag.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server([&](const std::string& raw) { return fake_jira(raw, sr); });
    Run run(jira_config(server));
    const LookupResult l = run.find(sr);
    CHECK(l.kind == LookupResult::Kind::found);
    CHECK(l.ticket_id == "HD-12");
    const ReceivedRequest r = received(server).at(0);
    CHECK(r.query.at("searchTerm") == sr.id);
    CHECK(r.query.at("requestStatus") == "ALL_REQUESTS");
}

TEST_CASE("jira preset: a missing option names the config file and the option") {
    // No service_desk_id.
    BackendConfig c =
        config_for("jira", "https://jira.example.com",
                   {{"request_type_id", "25"}, {"user", "u@example.com"}, {"token", "t"}});
    CHECK(
        make_error(c) ==
        "/etc/fixtray/fixtray.json: escalation.backend: \"service_desk_id\" is required for jira");
}

namespace {

// FakeFreshdesk: POST /api/v2/tickets (multipart or JSON), GET /api/v2/tickets?email=.
HttpReply fake_freshdesk(const std::string& raw, const SupportRequest& sr) {
    const ReceivedRequest r = parse_received(raw);
    if (r.header("authorization") != "Basic " + base64_encode("fk-1:X"))
        return json_reply(
            401, {{"code", "invalid_credentials"}, {"message", "You have to be logged in"}});
    if (r.method == "POST" && r.path == "/api/v2/tickets") return json_reply(201, {{"id", 77}});
    if (r.method == "GET" && r.path == "/api/v2/tickets")
        return json_reply(200, json::array({{{"id", 76}, {"subject", "VPN"}},
                                            {{"id", 77}, {"subject", sr.tagged_subject()}}}));
    return json_reply(404, {{"message", "no route"}});
}

}  // namespace

TEST_CASE("freshdesk preset: multipart ticket with attachments[] and an HTML description") {
    // FakeFreshdesk checks Basic api_key:X and each form field.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server([&](const std::string& raw) { return fake_freshdesk(raw, sr); });
    Run run(config_for("freshdesk", server.url(""), {{"api_key", "fk-1"}, {"group_id", "5"}}));
    const DeliveryResult d = run.create(sr);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id == "77");
    CHECK(d.ticket_url == server.url("/support/tickets/77"));
    const auto parts = parse_multipart(received(server).at(0));
    std::map<std::string, std::string> fields;
    for (const auto& p : parts)
        if (p.filename.empty()) fields[p.name] = p.data;
    CHECK(fields["email"] == "erika@example.com");
    CHECK(fields["name"] == "Erika Muster");
    CHECK(fields["subject"] == sr.tagged_subject());
    CHECK(fields["status"] == "2");
    CHECK(fields["priority"] == "1");
    CHECK(fields["group_id"] == "5");
    CHECK(fields["description"].find("&lt;today&gt; &amp;") != std::string::npos);
    REQUIRE(parts.back().name == "attachments[]");
    CHECK(parts.back().filename == "fixtray-diagnostics.tar.gz");
    CHECK(parts.back().data == test::bundle_bytes());
}

TEST_CASE(
    "freshdesk preset: without attachments the ticket is JSON, and find() lists by requester") {
    // A request without a bundle; then find() over the requester's tickets.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir, false);
    LocalHttpServer server([&](const std::string& raw) { return fake_freshdesk(raw, sr); });
    Run run(config_for("freshdesk", server.url(""), {{"api_key", "fk-1"}}));
    CHECK(run.create(sr).kind == DeliveryResult::Kind::delivered);
    const ReceivedRequest post = received(server).at(0);
    CHECK(post.header("content-type") == "application/json");
    const json j = post.json();
    CHECK(j["email"] == "erika@example.com");
    CHECK(j["status"] == 2);
    CHECK(j["priority"] == 1);
    const LookupResult l = run.find(sr);
    CHECK(l.kind == LookupResult::Kind::found);
    CHECK(l.ticket_id == "77");
    const ReceivedRequest get = received(server).at(1);
    CHECK(get.query.at("email") == "erika@example.com");
    CHECK(get.query.at("order_by") == "created_at");
}

namespace {

// FakeZendesk: uploads.json (raw bytes), tickets.json (create, list by external_id).
HttpReply fake_zendesk(const std::string& raw, const SupportRequest& sr) {
    const ReceivedRequest r = parse_received(raw);
    if (r.header("authorization") != "Basic " + base64_encode("erika@example.com/token:zt-1"))
        return json_reply(401, {{"error", "Couldn't authenticate you"}});
    if (r.method == "POST" && r.path == "/api/v2/uploads.json")
        return json_reply(201, {{"upload", {{"token", "up-1"}}}});
    if (r.method == "POST" && r.path == "/api/v2/tickets.json")
        return json_reply(201, {{"ticket", {{"id", 35436}, {"external_id", sr.id}}}});
    if (r.method == "GET" && r.path == "/api/v2/tickets.json")
        return json_reply(200,
                          {{"tickets", json::array({{{"id", 35436}, {"external_id", sr.id}}})}});
    return json_reply(404, {{"error", "InvalidEndpoint"}});
}

}  // namespace

TEST_CASE("zendesk preset: upload, then the ticket with the token and an Idempotency-Key") {
    // FakeZendesk checks the raw upload bytes, the ticket payload and the headers.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server([&](const std::string& raw) { return fake_zendesk(raw, sr); });
    Run run(
        config_for("zendesk", server.url(""), {{"user", "erika@example.com"}, {"token", "zt-1"}}));
    const DeliveryResult d = run.create(sr);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id == "35436");
    const auto reqs = received(server);
    REQUIRE(reqs.size() == 2);
    CHECK(reqs[0].query.at("filename") == "fixtray-diagnostics.tar.gz");
    CHECK(reqs[0].header("content-type") == "application/gzip");
    CHECK(reqs[0].body == test::bundle_bytes());
    CHECK(reqs[1].header("idempotency-key") == sr.id);
    const json t = reqs[1].json()["ticket"];
    CHECK(t["subject"] == sr.tagged_subject());
    CHECK(t["comment"]["body"] == sr.body());
    CHECK(t["comment"]["uploads"] == json::array({"up-1"}));
    CHECK(t["requester"]["email"] == "erika@example.com");
    CHECK(t["requester"]["name"] == "Erika Muster");
    CHECK(t["external_id"] == sr.id);
}

TEST_CASE("zendesk preset: find() lists tickets by external_id") {
    // FakeZendesk answers the list with our ticket.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server([&](const std::string& raw) { return fake_zendesk(raw, sr); });
    Run run(
        config_for("zendesk", server.url(""), {{"user", "erika@example.com"}, {"token", "zt-1"}}));
    const LookupResult l = run.find(sr);
    CHECK(l.kind == LookupResult::Kind::found);
    CHECK(l.ticket_id == "35436");
    CHECK(received(server).at(0).query.at("external_id") == sr.id);
}

namespace {

// FakeServiceNow: table/incident (create, query by correlation_id), attachment/file.
HttpReply fake_servicenow(const std::string& raw) {
    const ReceivedRequest r = parse_received(raw);
    if (r.header("authorization") != "Basic " + base64_encode("fixtray.intake:pw-1"))
        return json_reply(401, {{"error",
                                 {{"message", "User Not Authenticated"},
                                  {"detail", "Required to provide Auth information"}}},
                                {"status", "failure"}});
    const json rec = {{"sys_id", "abc123"}, {"number", "INC0010001"}};
    if (r.method == "POST" && r.path == "/api/now/table/incident")
        return json_reply(201, {{"result", rec}});
    if (r.method == "POST" && r.path == "/api/now/attachment/file")
        return json_reply(201, {{"result", {{"sys_id", "att1"}}}});
    if (r.method == "GET" && r.path == "/api/now/table/incident")
        return json_reply(200, {{"result", json::array({rec})}});
    return json_reply(400, {{"error", {{"message", "Invalid"}}}});
}

BackendConfig servicenow_config(const LocalHttpServer& s) {
    return config_for("servicenow", s.url(""), {{"user", "fixtray.intake"}, {"password", "pw-1"}});
}

}  // namespace

TEST_CASE(
    "servicenow preset: incident with correlation_id, then the file through attachment/file") {
    // FakeServiceNow checks the incident fields and the raw attachment upload.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server(fake_servicenow);
    Run run(servicenow_config(server));
    const DeliveryResult d = run.create(sr);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id == "INC0010001");
    CHECK(d.ticket_url == server.url("/nav_to.do?uri=incident.do%3Fsys_id%3Dabc123"));
    const auto reqs = received(server);
    REQUIRE(reqs.size() == 2);
    const json inc = reqs[0].json();
    CHECK(inc["short_description"] == sr.tagged_subject());
    CHECK(inc["description"] == sr.body());
    CHECK(inc["correlation_id"] == sr.id);
    CHECK(reqs[1].query.at("table_name") == "incident");
    CHECK(reqs[1].query.at("table_sys_id") == "abc123");
    CHECK(reqs[1].query.at("file_name") == "fixtray-diagnostics.tar.gz");
    CHECK(reqs[1].header("content-type") == "application/gzip");
    CHECK(reqs[1].body == test::bundle_bytes());
}

TEST_CASE("servicenow preset: find() queries incidents by correlation_id") {
    // GET /api/now/table/incident?sysparm_query=correlation_id=ID.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server(fake_servicenow);
    Run run(servicenow_config(server));
    const LookupResult l = run.find(sr);
    CHECK(l.kind == LookupResult::Kind::found);
    CHECK(l.ticket_id == "INC0010001");
    CHECK(received(server).at(0).query.at("sysparm_query") == "correlation_id=" + sr.id);
}

TEST_CASE("osticket preset: X-API-Key, data: URI message and attachments, find() unsupported") {
    // FakeOsTicket answers 201 with the ticket number as plain text.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server([](const std::string& raw) {
        const ReceivedRequest r = parse_received(raw);
        HttpReply reply;
        if (r.header("x-api-key") != "ok-1") {
            reply.status = 401;
            reply.body = "API key not authorized";
        } else {
            reply.status = 201;
            reply.body = "123456";
        }
        return reply;
    });
    Run run(config_for("osticket", server.url(""), {{"api_key", "ok-1"}}));
    const DeliveryResult d = run.create(sr);
    INFO(d.message);
    CHECK(d.kind == DeliveryResult::Kind::delivered);
    CHECK(d.ticket_id == "123456");
    const ReceivedRequest r = received(server).at(0);
    CHECK(r.path == "/api/tickets.json");
    const json j = r.json();
    CHECK(j["name"] == "Erika Muster");
    CHECK(j["email"] == "erika@example.com");
    CHECK(j["subject"] == sr.tagged_subject());
    const std::string msg = j["message"];
    const std::string prefix = "data:text/plain;charset=utf-8;base64,";
    REQUIRE(msg.rfind(prefix, 0) == 0);
    CHECK(base64_decode(msg.substr(prefix.size())) == sr.body());
    const std::string att = j["attachments"][0]["fixtray-diagnostics.tar.gz"];
    REQUIRE(att.rfind("data:application/gzip;base64,", 0) == 0);
    CHECK(base64_decode(att.substr(29)) == test::bundle_bytes());
    CHECK(run.find(sr).kind == LookupResult::Kind::unsupported);
}

namespace {

// Minimal working options of every preset, for the checks all presets share.
std::vector<BackendConfig> every_preset(const std::string& url) {
    return {config_for("zammad", url, {{"token", "t"}, {"group", "g"}}),
            config_for("glpi", url + "/apirest.php", {{"user_token", "t"}}),
            config_for("jira", url,
                       {{"service_desk_id", "1"}, {"request_type_id", "2"}, {"token", "t"}}),
            config_for("freshdesk", url, {{"api_key", "k"}}),
            config_for("zendesk", url, {{"user", "u@example.com"}, {"token", "t"}}),
            config_for("servicenow", url, {{"user", "u"}, {"password", "p"}}),
            config_for("osticket", url, {{"api_key", "k"}})};
}

// Answers initSession (GLPI) and gives `reply` to everything else.
LocalHttpServer::Handler answering(HttpReply reply) {
    return [reply](const std::string& raw) {
        if (parse_received(raw).path.find("/initSession") != std::string::npos)
            return json_reply(200, {{"session_token", "s"}});
        return reply;
    };
}

}  // namespace

TEST_CASE("every preset: 401 is a permanent failure naming the server and the credentials") {
    // The server refuses every call with 401 and an error text.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server(answering(json_reply(401, {{"error", "token expired"}})));
    for (const BackendConfig& c : every_preset(server.url(""))) {
        CAPTURE(c.type);
        Run run(c);
        const DeliveryResult d = run.create(sr);
        CHECK(d.kind == DeliveryResult::Kind::failed);
        CHECK(d.message.find("credentials refused by " + run.backend->describe()) == 0);
        CHECK(d.message.find("HTTP 401") != std::string::npos);
        CHECK(d.message.find("token expired") != std::string::npos);
    }
}

TEST_CASE("every preset: 429 with Retry-After is a retry after that many seconds") {
    // The server throttles every call: 429, Retry-After: 120.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    HttpReply throttled = json_reply(429, {{"message", "Rate limit exceeded"}});
    throttled.headers.emplace_back("Retry-After", "120");
    LocalHttpServer server(answering(throttled));
    for (const BackendConfig& c : every_preset(server.url(""))) {
        CAPTURE(c.type);
        Run run(c);
        const DeliveryResult d = run.create(sr);
        CHECK(d.kind == DeliveryResult::Kind::retry);
        CHECK(d.retry_after == std::chrono::seconds(120));
        CHECK(d.message.find("HTTP 429") != std::string::npos);
        CHECK(d.message.find("Rate limit exceeded") != std::string::npos);
    }
}

TEST_CASE("every preset: 503 is a retry") {
    // The server is down for maintenance: 503 with an HTML page.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    HttpReply down;
    down.status = 503;
    down.body = "<html><body>Maintenance\n</body></html>";
    LocalHttpServer server(answering(down));
    for (const BackendConfig& c : every_preset(server.url(""))) {
        CAPTURE(c.type);
        Run run(c);
        const DeliveryResult d = run.create(sr);
        CHECK(d.kind == DeliveryResult::Kind::retry);
        CHECK_FALSE(d.maybe_created);
        CHECK(d.message.find(run.backend->describe() + " answered HTTP 503") == 0);
    }
}

TEST_CASE("every preset: a server that stalls after the create call is a retry, maybe created") {
    // No attachment, so the first call after any session is the create; timeout 0.5 s.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir, false);
    HttpReply stall;
    stall.stall = true;
    for (BackendConfig c : every_preset("")) {
        CAPTURE(c.type);
        LocalHttpServer server(answering(stall));
        c.options["url"] = server.url(c.type == "glpi" ? "/apirest.php" : "");
        c.options["timeout"] = "0.5";
        Run run(c);
        const auto t0 = std::chrono::steady_clock::now();
        const DeliveryResult d = run.create(sr);
        CHECK(std::chrono::steady_clock::now() - t0 < 5s);
        CHECK(d.kind == DeliveryResult::Kind::retry);
        CHECK(d.maybe_created);
        CHECK(d.message.find("did not answer in time") != std::string::npos);
    }
}

TEST_CASE("every preset: plain http:// to another host is refused when the backend is built") {
    // http://helpdesk.example.com would send credentials in the clear.
    for (BackendConfig c : every_preset("http://helpdesk.example.com")) {
        CAPTURE(c.type);
        const std::string error = make_error(c);
        CHECK(error.find(
                  "/etc/fixtray/fixtray.json: escalation.backend: \"url\" must use https://") == 0);
    }
    for (const char* url : {"https://helpdesk.example.com", "http://127.0.0.1:8080",
                            "http://localhost", "http://[::1]:80"}) {
        CAPTURE(url);
        CHECK(url_host_is_loopback(url) == (std::string(url).find("https") != 0));
    }
}

TEST_CASE("every preset: https:// to a plain HTTP server is a retry that says TLS") {
    // The loopback server speaks plain HTTP; the backend was told https.
    test::TempDir dir;
    const SupportRequest sr = test::sample_request(dir);
    test::PlainHttpResponder server;
    const std::string url = "https://127.0.0.1:" + std::to_string(server.port());
    for (const BackendConfig& c : every_preset(url)) {
        CAPTURE(c.type);
        Run run(c);
        const DeliveryResult d = run.create(sr);
        CHECK(d.kind == DeliveryResult::Kind::retry);
        CHECK_FALSE(d.maybe_created);
        CHECK(d.message.find("TLS connection to " + run.backend->describe() + " failed") == 0);
    }
}

TEST_CASE("preset options: secrets from *_file, unknown types and bad values are named") {
    // token_file is read at construction; a missing file, both forms, or an unknown type fail.
    test::TempDir dir;
    test::write_file(dir / "token", "zt-from-file\n");
    const SupportRequest sr = test::sample_request(dir);
    LocalHttpServer server([&](const std::string& raw) {
        const ReceivedRequest r = parse_received(raw);
        return r.header("authorization") == "Token token=zt-from-file"
                   ? json_reply(201, {{"id", 1}, {"number", "1"}})
                   : json_reply(401, {{"error", "bad"}});
    });
    Run run(config_for("zammad", server.url(""), {{"token_file", dir / "token"}, {"group", "g"}}));
    CHECK(run.create(sr).kind == DeliveryResult::Kind::delivered);

    CHECK(make_error(config_for("zammad", server.url(""),
                                {{"token_file", dir / "missing"}, {"group", "g"}}))
              .find("escalation.backend: \"token_file\": " + (dir / "missing")) !=
          std::string::npos);
    CHECK(make_error(config_for("zammad", server.url(""),
                                {{"token", "a"}, {"token_file", dir / "token"}, {"group", "g"}}))
              .find("not both") != std::string::npos);
    CHECK(make_error(config_for("zammad", server.url(""), {{"token", "a"}})) ==
          "/etc/fixtray/fixtray.json: escalation.backend: \"group\" is required for zammad");
    CHECK(make_error(config_for("redmine", server.url(""), {})).find("\"redmine\" is not") !=
          std::string::npos);
    CHECK(make_error(config_for("zammad", server.url(""),
                                {{"token", "a"}, {"group", "g"}, {"timeout", "soon"}}))
              .find("\"timeout\" must be a number of seconds") != std::string::npos);
}

TEST_CASE("http delivery: Retry-After as an HTTP-date, and bounded API error text") {
    // Retry-After dates are relative to now; error texts are flattened and cut.
    const auto now =
        std::chrono::system_clock::from_time_t(784111717);  // Sun, 06 Nov 1994 08:48:37
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == std::chrono::seconds(60));
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == std::chrono::seconds(0));
    CHECK(parse_retry_after(" 30 ", now) == std::chrono::seconds(30));
    CHECK_FALSE(parse_retry_after("soon", now).has_value());
    CHECK(api_error_text(
              R"({"errorMessages":["Field 'x' is required"],"errors":{"summary":"too long"}})") ==
          "Field 'x' is required; summary: too long");
    const std::string long_text = api_error_text(std::string(5000, 'x') + "\n");
    CHECK(long_text.size() == 303);
    CHECK(api_error_text("line one\r\n  line two") == "line one line two");
}
