#include "icons.h"

#include <filesystem>
#include <vector>

#include <wx/bitmap.h>
#include <wx/filefn.h>
#include <wx/image.h>

namespace fixtray::gui {

namespace fs = std::filesystem;

namespace {

// The directory of fixtray's icons that holds `probe`: next to an installed binary
// (<prefix>/bin/fixtray and <prefix>/`share_relative`), else the build tree's, else the
// configured install directory.
std::string find_icon_dir(const char* share_relative, const char* build_dir,
                          const char* install_dir, const char* probe) {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / share_relative;
        if (fs::exists(installed / probe, ec)) return installed.string();
    }
    if (fs::exists(fs::path(build_dir) / probe, ec)) return build_dir;
    return install_dir;
}

// <N>x<N>/<name>.png masks of the symbolic icons.
const std::string& symbolic_icon_dir() {
    static const std::string dir =
        find_icon_dir("share/fixtray/icons/symbolic", FIXTRAY_BUILD_SYMBOLIC_ICON_DIR,
                      FIXTRAY_INSTALL_SYMBOLIC_ICON_DIR, "16x16/fixtray-idle-symbolic.png");
    return dir;
}

}  // namespace

const std::string& icon_dir() {
    static const std::string dir =
        find_icon_dir("share/icons/hicolor", FIXTRAY_BUILD_ICON_DIR, FIXTRAY_INSTALL_ICON_DIR,
                      "48x48/apps/fixtray-idle.png");
    return dir;
}

wxBitmapBundle icon_bundle(const std::string& name) {
    // Up to 64 px: a tray icon is 16 to 32 px, twice that on a high-DPI screen. The 128 and
    // 256 px renditions decoded for each of the three tray states were about 1 MB of the
    // tray's idle memory (RGBA pixels kept by each wxBitmap).
    wxVector<wxBitmap> bitmaps;
    for (int size : {16, 22, 24, 32, 48, 64}) {
        const std::string path = icon_dir() + "/" + std::to_string(size) + "x" +
                                 std::to_string(size) + "/apps/" + name + ".png";
        wxImage image;
        if (wxFileExists(path) && image.LoadFile(path, wxBITMAP_TYPE_PNG))
            bitmaps.push_back(wxBitmap(image));
    }
    return wxBitmapBundle::FromBitmaps(bitmaps);
}

wxBitmapBundle symbolic_icon_bundle(const std::string& name, Rgb colour) {
    wxVector<wxBitmap> bitmaps;
    for (int size : {16, 22, 24, 32, 48, 64}) {
        const std::string path = symbolic_icon_dir() + "/" + std::to_string(size) + "x" +
                                 std::to_string(size) + "/" + name + ".png";
        wxImage image;
        if (!wxFileExists(path) || !image.LoadFile(path, wxBITMAP_TYPE_PNG)) continue;
        // The shape is the alpha channel; the colour is the panel's.
        image.SetRGB(wxRect(0, 0, image.GetWidth(), image.GetHeight()), colour.r, colour.g,
                     colour.b);
        bitmaps.push_back(wxBitmap(image));
    }
    return wxBitmapBundle::FromBitmaps(bitmaps);
}

wxIconBundle app_icons() {
    // Up to 64 px: what title bars and task switchers draw. Decoding the 128 and 256 px PNGs
    // took about 6 ms of every window's construction on the UI thread; launchers and docks take
    // the large sizes from the icon theme through the .desktop file.
    wxIconBundle icons;
    for (int size : {16, 22, 24, 32, 48, 64}) {
        const std::string path = icon_dir() + "/" + std::to_string(size) + "x" +
                                 std::to_string(size) + "/apps/fixtray.png";
        if (wxFileExists(path)) icons.AddIcon(path, wxBITMAP_TYPE_PNG);
    }
    return icons;
}

}  // namespace fixtray::gui
