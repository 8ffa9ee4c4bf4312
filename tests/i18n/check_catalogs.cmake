# The check `files: every message of fixctl and the tray has a German translation`:
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... -DXGETTEXT=... -DMSGCMP=... -DMSGFMT=...
#         "-DOPTIONS=<xgettext options>" -P check_catalogs.cmake
# Extracts the messages from the sources now (as the target fixtray-pot does) and fails when
# one has no German translation in src/po/de.po (missing, empty or fuzzy), or when de.po does
# not compile or a translation's %s placeholders do not match the English.
file(MAKE_DIRECTORY ${WORK_DIR})
set(OUTPUT ${WORK_DIR}/fixtray.pot)
include(${SOURCE_DIR}/src/po/make_pot.cmake)

execute_process(COMMAND ${MSGFMT} --check --statistics -o /dev/null ${SOURCE_DIR}/src/po/de.po
                RESULT_VARIABLE fmt_rc ERROR_VARIABLE fmt_err)
message(STATUS "de.po: ${fmt_err}")
if(NOT fmt_rc EQUAL 0)
  message(FATAL_ERROR "src/po/de.po does not compile (msgfmt --check): see above")
endif()

# msgcmp: every message of the sources must be in de.po, translated and not fuzzy.
execute_process(COMMAND ${MSGCMP} ${SOURCE_DIR}/src/po/de.po ${OUTPUT}
                RESULT_VARIABLE cmp_rc OUTPUT_VARIABLE cmp_out ERROR_VARIABLE cmp_err)
if(NOT cmp_rc EQUAL 0)
  message(FATAL_ERROR
          "messages without a German translation (update: cmake --build build --target "
          "fixtray-pot && msgmerge --update --backup=none src/po/de.po src/po/fixtray.pot, "
          "then translate):\n${cmp_out}${cmp_err}")
endif()
message(STATUS "every message of the sources has a German translation")
