# Run by `cmake --install`: put the annotated default configuration and the
# freemail list in place without overwriting a postmaster's own, and create
# the system user the shipped configuration runs as.
set(conf "$ENV{DESTDIR}/etc/mxgate/mxgate.conf")
if(NOT EXISTS "${conf}")
  file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/mxgate.conf" DESTINATION "$ENV{DESTDIR}/etc/mxgate")
  message(STATUS "Installed default configuration: ${conf}")
else()
  message(STATUS "Kept existing configuration: ${conf}")
endif()
if(NOT EXISTS "$ENV{DESTDIR}/etc/mxgate/freemail-domains")
  file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/freemail-domains" DESTINATION "$ENV{DESTDIR}/etc/mxgate")
endif()
if("$ENV{DESTDIR}" STREQUAL "")
  execute_process(COMMAND getent passwd mxgate RESULT_VARIABLE missing OUTPUT_QUIET)
  if(missing)
    execute_process(COMMAND useradd --system --home-dir /nonexistent --no-create-home
                            --shell /usr/sbin/nologin mxgate)
    message(STATUS "Created system user mxgate")
  endif()
endif()
