#include "show_socket.h"

#include <unistd.h>

#include <cstring>
#include <string_view>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

namespace fixtray::gui {

namespace {

constexpr std::string_view kShow = "show\n";
constexpr std::string_view kShown = "shown\n";
// A client that sends nothing (or never reads the answer) is dropped after this long.
constexpr guint kTimeoutSeconds = 5;

// One connection to the service: what it sent so far, up to one short line.
struct Request {
    GSocketConnection* connection;
    GCancellable* cancellable;  // cancelled when the ShowSocket goes
    const std::function<void()>* show;
    char line[16];
    gsize got = 0;

    ~Request() {
        g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
        g_object_unref(connection);
        g_object_unref(cancellable);
    }
};

void read_more(Request* r);

void on_read(GObject* stream, GAsyncResult* result, gpointer data) {
    auto* r = static_cast<Request*>(data);
    const gssize n = g_input_stream_read_finish(G_INPUT_STREAM(stream), result, nullptr);
    if (n <= 0 || g_cancellable_is_cancelled(r->cancellable)) {  // gone, timed out, or quitting
        delete r;
        return;
    }
    r->got += static_cast<gsize>(n);
    const std::string_view seen(r->line, r->got);
    if (seen.find('\n') == std::string_view::npos && r->got < sizeof r->line) {
        read_more(r);
        return;
    }
    if (seen == kShow) {
        (*r->show)();
        GOutputStream* out = g_io_stream_get_output_stream(G_IO_STREAM(r->connection));
        // Six bytes into a fresh socket's buffer: this does not wait for the client.
        g_output_stream_write_all(out, kShown.data(), kShown.size(), nullptr, nullptr, nullptr);
    }
    delete r;  // anything else: closed without an answer
}

void read_more(Request* r) {
    GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(r->connection));
    g_input_stream_read_async(in, r->line + r->got, sizeof r->line - r->got, G_PRIORITY_DEFAULT,
                              r->cancellable, on_read, r);
}

}  // namespace

gboolean ShowSocket::incoming(GSocketService*, GSocketConnection* connection, GObject*,
                              gpointer self) {
    auto* s = static_cast<ShowSocket*>(self);
    g_socket_set_timeout(g_socket_connection_get_socket(connection), kTimeoutSeconds);
    read_more(new Request{G_SOCKET_CONNECTION(g_object_ref(connection)),
                          G_CANCELLABLE(g_object_ref(s->cancellable_)),
                          &s->show_,
                          {},
                          0});
    return TRUE;
}

ShowSocket::~ShowSocket() {
    if (!service_) return;
    g_cancellable_cancel(cancellable_);
    g_socket_service_stop(service_);
    g_socket_listener_close(G_SOCKET_LISTENER(service_));
    g_object_unref(service_);
    g_object_unref(cancellable_);
    ::unlink(path_.c_str());
}

bool ShowSocket::listen(const std::string& path) {
    ::unlink(path.c_str());  // a stale socket of a process that died
    GSocketService* service = g_socket_service_new();
    GSocketAddress* address = g_unix_socket_address_new(path.c_str());
    const gboolean ok =
        g_socket_listener_add_address(G_SOCKET_LISTENER(service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_DEFAULT, nullptr, nullptr, nullptr);
    g_object_unref(address);
    if (!ok) {
        g_object_unref(service);
        return false;
    }
    service_ = service;
    cancellable_ = g_cancellable_new();
    path_ = path;
    g_signal_connect(service_, "incoming", G_CALLBACK(&ShowSocket::incoming), this);
    g_socket_service_start(service_);
    return true;
}

bool ask_to_show(const std::string& path) {
    GSocketClient* client = g_socket_client_new();
    g_socket_client_set_timeout(client, kTimeoutSeconds);  // also each read and write
    GSocketAddress* address = g_unix_socket_address_new(path.c_str());
    GSocketConnection* connection =
        g_socket_client_connect(client, G_SOCKET_CONNECTABLE(address), nullptr, nullptr);
    g_object_unref(address);
    g_object_unref(client);
    if (!connection) return false;
    bool shown = false;
    GOutputStream* out = g_io_stream_get_output_stream(G_IO_STREAM(connection));
    if (g_output_stream_write_all(out, kShow.data(), kShow.size(), nullptr, nullptr, nullptr)) {
        char reply[16];
        gsize n = 0;
        // Until the running instance closes the connection (after its answer, or at once).
        GInputStream* in = g_io_stream_get_input_stream(G_IO_STREAM(connection));
        g_input_stream_read_all(in, reply, sizeof reply, &n, nullptr, nullptr);
        shown = std::string_view(reply, n) == kShown;
    }
    g_object_unref(connection);
    return shown;
}

}  // namespace fixtray::gui
