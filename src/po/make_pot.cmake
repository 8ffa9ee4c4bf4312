# cmake -DXGETTEXT=... -DSOURCE_DIR=... -DOUTPUT=... -DOPTIONS=... -P make_pot.cmake
# The sources whose messages are translated: the core, fixctl and the tray (not the admin
# helper: it speaks to fixctl and the tray, which show what it reports).
file(GLOB_RECURSE sources RELATIVE ${SOURCE_DIR}
     ${SOURCE_DIR}/src/core/*.cpp ${SOURCE_DIR}/src/core/*.h
     ${SOURCE_DIR}/src/fixctl/*.cpp ${SOURCE_DIR}/src/fixctl/*.h
     ${SOURCE_DIR}/src/fixtray/*.cpp ${SOURCE_DIR}/src/fixtray/*.h)
list(SORT sources)
execute_process(COMMAND ${XGETTEXT} ${OPTIONS} --output=${OUTPUT} ${sources}
                WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "xgettext failed (${rc})")
endif()
