# Proves the install: installs the build into a temporary prefix, checks the
# files, runs the installed tool, then builds and runs a consumer twice:
# with find_package(mqtts) and with `pkg-config --cflags --libs mqtts`.
#
#   cmake -DBUILD_DIR= -DWORK_DIR= -DCONSUMER_DIR= -DCONFIG= -DGENERATOR=
#         -DC_COMPILER= -DLIBDIR= -DVERSION= -DPKG_CONFIG= -DEXTRA_FLAGS=
#         -DPOSIX= -P run.cmake
# POSIX: ON when mqtts_posix was built; then libmqtts_posix.a must be
# installed and both consumers use mqtts_tcp_init() from it.
# EXTRA_FLAGS: the sanitizer/coverage flags the library was built with; a
# consumer of an instrumented libmqtts.a must link with them too.

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

message(STATUS "install into ${prefix}")
set(config_args "")
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
if(CMAKE_VERSION VERSION_LESS 3.15)
  run(${CMAKE_COMMAND} -DCMAKE_INSTALL_PREFIX=${prefix} -DCMAKE_INSTALL_CONFIG_NAME=${CONFIG}
      -P ${BUILD_DIR}/cmake_install.cmake)
else()
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} ${config_args})
endif()

foreach(f
    include/mqtts/error.h include/mqtts/packet.h include/mqtts/version.h
    ${LIBDIR}/libmqtts.a
    ${LIBDIR}/cmake/mqtts/mqttsConfig.cmake
    ${LIBDIR}/cmake/mqtts/mqttsConfigVersion.cmake
    ${LIBDIR}/cmake/mqtts/mqttsTargets.cmake
    ${LIBDIR}/pkgconfig/mqtts.pc
    bin/mqtts)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
set(posix_define "")
set(consumer_posix OFF)
if(POSIX)
  set(f ${LIBDIR}/libmqtts_posix.a)
  if(NOT EXISTS ${prefix}/${f} OR NOT EXISTS ${prefix}/include/mqtts/transport.h)
    message(FATAL_ERROR "not installed: ${f} or include/mqtts/transport.h")
  endif()
  set(posix_define -DCONSUMER_POSIX=1)
  set(consumer_posix ON)
endif()

execute_process(COMMAND ${prefix}/bin/mqtts --version OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "mqtts ${VERSION}\n")
  message(FATAL_ERROR "installed mqtts --version: exit ${rc}, printed '${out}'")
endif()

separate_arguments(extra UNIX_COMMAND "${EXTRA_FLAGS}")

message(STATUS "consumer with find_package(mqtts)")
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/cmake-consumer -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=${CONFIG}
    -DCMAKE_C_COMPILER=${C_COMPILER}
    "-DCMAKE_C_FLAGS=${EXTRA_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}"
    -DCMAKE_PREFIX_PATH=${prefix}
    -DCONSUMER_POSIX=${consumer_posix}
    -DCMAKE_FIND_PACKAGE_NO_SYSTEM_PACKAGE_REGISTRY=ON
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/cmake-consumer ${config_args})
file(GLOB_RECURSE consumer ${WORK_DIR}/cmake-consumer/consumer ${WORK_DIR}/cmake-consumer/consumer.exe)
if(NOT consumer)
  message(FATAL_ERROR "the find_package consumer was not built")
endif()
list(GET consumer 0 consumer)
run(${consumer})

message(STATUS "consumer with pkg-config")
set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
execute_process(COMMAND ${PKG_CONFIG} --modversion mqtts
  OUTPUT_VARIABLE pc_version OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT pc_version STREQUAL VERSION)
  message(FATAL_ERROR "pkg-config --modversion mqtts: exit ${rc}, '${pc_version}'")
endif()
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs mqtts
  OUTPUT_VARIABLE pc_flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs mqtts failed")
endif()
message(STATUS "pkg-config --cflags --libs mqtts: ${pc_flags}")
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run(${C_COMPILER} -std=c11 ${extra} ${posix_define} ${CONSUMER_DIR}/main.c ${pc_flags} ${extra}
    -o ${WORK_DIR}/consumer-pc)
run(${WORK_DIR}/consumer-pc)

message(STATUS "install proved: files, tool, find_package and pkg-config consumers")
