// fixtray's icons: the hicolor tree rendered from icons/*.svg at build time, found next to an
// installed binary or in the build tree.
#pragma once

#include <string>

#include <wx/bmpbndl.h>
#include <wx/iconbndl.h>

#include "app/tray_icon_style.h"

namespace fixtray::gui {

// The hicolor directory holding <N>x<N>/apps/<name>.png and scalable/apps/<name>.svg.
const std::string& icon_dir();
// The rendered sizes of the icon `name` from 16 to 64 px, for high-DPI: wxBitmapBundle picks
// the best one.
wxBitmapBundle icon_bundle(const std::string& name);
// The symbolic icon `name` (fixtray-idle-symbolic...) from 16 to 64 px, drawn in `colour`: the
// masks rendered from icons/*-symbolic.svg with their alpha kept and every pixel in `colour`.
wxBitmapBundle symbolic_icon_bundle(const std::string& name, Rgb colour);
// The app icon in the sizes window title bars and task switchers use (16 to 64 px).
wxIconBundle app_icons();

}  // namespace fixtray::gui
