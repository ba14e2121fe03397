# Checks the tool's exit status and output together (PASS_REGULAR_EXPRESSION
# alone ignores the exit status).
#   cmake -DTOOL=<path to mqtts> -DVERSION=<x.y.z> -P check_tool.cmake

set(failures 0)

# expect(<exit status> <regex on stdout> <regex on stderr> <args...>)
function(expect want_rc out_regex err_regex)
  execute_process(COMMAND ${TOOL} ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(ok TRUE)
  if(NOT rc STREQUAL want_rc)
    set(ok FALSE)
  endif()
  if(NOT out MATCHES "${out_regex}" OR NOT err MATCHES "${err_regex}")
    set(ok FALSE)
  endif()
  if(ok)
    message(STATUS "ok: mqtts ${ARGN} -> ${rc}")
  else()
    message(STATUS "FAIL: mqtts ${ARGN}: exit ${rc} (want ${want_rc})\n"
                   "stdout:\n${out}\nstderr:\n${err}")
    math(EXPR n "${failures} + 1")
    set(failures ${n} PARENT_SCOPE)
  endif()
endfunction()

string(REPLACE "." "\\." v "${VERSION}")
expect(0 "^mqtts ${v}\n$" "^$" --version)
expect(0 "^mqtts ${v}\n$" "^$" -V)
expect(0 "^Usage: mqtts .*  pub       publish a message\n  sub       subscribe[^\n]*arrive\n.*doctor    check a connection[^\n]*MQTT\n" "^$" --help)
expect(0 "^Usage: mqtts " "^$" -h)
expect(0 "^Usage: mqtts " "^$" help)
expect(2 "^$" "^mqtts: no command given\n\nUsage: mqtts ")
expect(2 "^$" "unknown option '--bogus'" --bogus)
expect(2 "^$" "unknown command 'frobnicate'" frobnicate)
expect(2 "^$" "'mqtts doctor' needs a URL" doctor)
expect(0 "^Usage: mqtts pub " "^$" help pub)
expect(0 "^Usage: mqtts sub " "^$" sub --help)
expect(2 "^$" "unknown option '--bogus'" pub --bogus)
expect(2 "^$" "unexpected argument 'extra'" --version extra)

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} tool check(s) failed")
endif()
