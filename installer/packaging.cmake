# The Debian package, made by CPack (`cpack -G DEB` in the build tree; installer/debian.sh does
# it). Configure with -DCMAKE_INSTALL_PREFIX=/usr: the package installs the programs under /usr,
# the configuration under /etc. Maintainer scripts, copyright and changelog: installer/debian/.
set(_deb_dir "${PROJECT_SOURCE_DIR}/installer/debian")
set(_deb_out "${PROJECT_BINARY_DIR}/debian")

# /usr/share/doc/fixtray: the machine-readable copyright and the changelog, compressed the way
# Debian wants it (gzip -9n: no name, no time stamp, so the package is reproducible).
find_program(GZIP gzip REQUIRED)
add_custom_command(OUTPUT "${_deb_out}/changelog.Debian.gz"
                   COMMAND ${CMAKE_COMMAND} -E make_directory "${_deb_out}"
                   COMMAND ${GZIP} -9n -c "${_deb_dir}/changelog" > "${_deb_out}/changelog.Debian.gz"
                   DEPENDS "${_deb_dir}/changelog" VERBATIM)
add_custom_target(debian_doc ALL DEPENDS "${_deb_out}/changelog.Debian.gz")
install(FILES "${_deb_dir}/copyright" "${_deb_out}/changelog.Debian.gz"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# Lintian warnings that are explained rather than fixed (each with its reason in the file).
install(FILES "${_deb_dir}/lintian-overrides" DESTINATION "${CMAKE_INSTALL_DATADIR}/lintian/overrides"
        RENAME fixtray)

# The machine's configuration: a documented file that sets nothing (every key commented out),
# the folder of trusted feed keys and the folder of the help desk's local packs.
install(FILES "${PROJECT_SOURCE_DIR}/installer/config/fixtray.json"
        DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/fixtray")
install(DIRECTORY DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/fixtray/keys")
install(DIRECTORY DESTINATION "${CMAKE_INSTALL_FULL_SYSCONFDIR}/fixtray/packs")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fixtray)
set(CPACK_PACKAGE_VENDOR "The fixtray developers")
set(CPACK_PACKAGE_CONTACT "fixtray developers <fixtray@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-service IT repairs from the system tray")
# The extended description (CPack writes CPACK_PACKAGE_DESCRIPTION_SUMMARY as the first line
# and indents these lines itself).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "fixtray puts an icon by the clock that offers tested repairs for everyday
problems (no network, a printer gone, full caches). A repair checks that the
problem is there, applies its steps and verifies that it is fixed; when it is
not, fixtray sends the help desk a support request with what was tried and
redacted diagnostics, later if the machine is offline.
.
Help desks write repairs as XML fix packs, push them to every machine from a
plain web server as a signed feed, and decide by policy what runs where.
This package contains the tray app, the fixctl command line tool, the
administrator helper (run through polkit) and the built-in fix packs.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://fixtray.example.org/")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Not a native Debian package: version 0.1.0-1, /usr/share/doc/fixtray/changelog.Debian.gz.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# Library dependencies are computed with dpkg-shlibdeps from what the programs link, not
# written here. What they run: pkexec for administrator steps (sudo works too), xdg-open for
# the mailto fallback, deb-systemd-helper in the maintainer scripts.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.54~)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "pkexec | sudo, xdg-utils")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${_deb_dir}/conffiles;${_deb_dir}/postinst;${_deb_dir}/prerm;${_deb_dir}/postrm")
include(CPack)
