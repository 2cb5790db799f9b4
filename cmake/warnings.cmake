# Warnings on for our own targets only (not for third-party headers).
add_library(warren_warnings INTERFACE)
# GCC 12 reports impossible sizes inside std::string's inlined memcpy at -O2
# (GCC bug 105329 and friends), and a mismatched new/delete inside Asio's
# coroutine frame recycling (GCC bug 109224): false positives, silenced so
# real ones show.
target_compile_options(warren_warnings INTERFACE -Wall -Wextra -Wpedantic
  "$<$<CXX_COMPILER_ID:GNU>:-Wno-restrict;-Wno-stringop-overflow;-Wno-array-bounds;-Wno-mismatched-new-delete>")

# Asio and Beast are compiled once, in warren_asio (see core/src/asio/asio_impl.cpp),
# instead of in every translation unit that includes them.
add_library(warren_boost INTERFACE)
target_compile_definitions(warren_boost INTERFACE
  BOOST_ASIO_SEPARATE_COMPILATION
  BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED)
target_link_libraries(warren_boost INTERFACE Boost::headers Boost::json Boost::url
  OpenSSL::SSL OpenSSL::Crypto Threads::Threads)

if(WARREN_SANITIZE)
  # No vptr checks: they need the type_info of every polymorphic class we
  # touch, and SOCI's shared libraries do not export theirs (plugins link
  # with --no-undefined, so the reference would fail the link).
  add_compile_options(-fsanitize=address,undefined -fno-sanitize=vptr -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize=vptr)
endif()

# Targets whose sources include Asio/Beast precompile those headers once each.
# Kept PRIVATE (not on warren_asio's interface) so that targets that never
# include Beast, like most unit tests, do not pay for compiling the PCH.
function(warren_use_asio_pch target)
  target_precompile_headers(${target} PRIVATE ${PROJECT_SOURCE_DIR}/core/src/asio/pch.hpp)
endfunction()
