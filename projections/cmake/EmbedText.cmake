# Turns a text file into a C++ source defining it as a raw string literal, so that the library
# carries its data and the binary needs no source tree at run time.
#
#   cmake -DINPUT=file -DOUTPUT=file.cc -DSYMBOL=kName -DNAMESPACE=a::b -P EmbedText.cmake
#
# Defines `extern const char SYMBOL[]` (NUL-terminated) and `extern const std::size_t
# SYMBOL##Size` (bytes, without the NUL) in NAMESPACE. The text is embedded byte for byte.
foreach(var INPUT OUTPUT SYMBOL NAMESPACE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "EmbedText.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${INPUT}" text)
set(delim "smeledger_embed")
string(FIND "${text}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )${delim}\"")
endif()

get_filename_component(input_name "${INPUT}" NAME)
set(content "// Generated from ${input_name} by EmbedText.cmake. Do not edit.\n")
string(APPEND content "#include <cstddef>\n\nnamespace ${NAMESPACE} {\n\n")
string(APPEND content "extern const char ${SYMBOL}[];\n")
string(APPEND content "extern const std::size_t ${SYMBOL}Size;\n\n")
string(APPEND content "const char ${SYMBOL}[] = R\"${delim}(")
string(APPEND content "${text}")
string(APPEND content ")${delim}\";\n")
string(APPEND content "const std::size_t ${SYMBOL}Size = sizeof(${SYMBOL}) - 1;\n\n")
string(APPEND content "}  // namespace ${NAMESPACE}\n")

# Rewrite only on change, so an unchanged input does not recompile the library.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL content)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${content}")
