// PLACEHOLDER, not fixtray: what installer/windows/build-installer.sh stages as fixtray.exe,
// fixctl.exe and fixtray-admin.exe when it is not given real Windows builds (BIN_DIR). fixtray's
// Windows code compiles on Debian with mingw-w64 (tests/windows/compile.sh) but cannot be linked
// there: Debian has no Windows builds of Boost, libcurl, pugixml, RE2, libsodium, libarchive.
// An installer holding these tests the installing (files, Start menu, Run key, uninstall), not
// fixtray. Built with -DPROGRAM=\"name\".
#include <cstdio>

#ifndef PROGRAM
#error "build with -DPROGRAM=\"fixtray\" (or fixctl, fixtray-admin)"
#endif

int main() {
    std::fputs("placeholder build: " PROGRAM
               " for Windows is compiled but not linked here (Debian has no Windows builds of "
               "fixtray's libraries); this program only stands in for it in a test installer\n",
               stderr);
    return 3;
}
