# The Debian package: `cmake --build build --target package` makes
# wireshark-plugin-exec_<version>_<arch>.deb, which installs exec.so into the global plugin folder of
# the Wireshark this build is configured against and depends on that Wireshark's own library packages,
# limited to its minor version (a plugin loads only into the minor version it was built for). Besides
# exec.so it holds only the copyright file and changelog every Debian package must have.
# Included at the end of CMakeLists.txt; needs the `exec` target and find_package(Wireshark).
#
# Only the install component `deb` is packaged: the ordinary install rule (the personal plugin folder
# with EXEC_INSTALL_USER=ON, an absolute $HOME path) is never part of the package, and `deb` is
# EXCLUDE_FROM_ALL, so a plain `cmake --install` installs exactly what it did before.

find_program(EXEC_DPKG_QUERY dpkg-query)
find_program(EXEC_DPKG dpkg)
if(NOT EXEC_DPKG_QUERY OR NOT EXEC_DPKG)
  message(STATUS "Debian package: not available (no dpkg on this system)")
  return()
endif()
if(EXEC_SANITIZE OR EXEC_TEST_FALLBACK)
  message(STATUS "Debian package: not made from a sanitizer or fallback test build")
  return()
endif()

# exec_deb_owner(FILE PKG VERSION): the package that ships FILE (the real file behind it) and its
# installed version; PKG is empty when no package does.
function(exec_deb_owner file pkg_var version_var)
  set(${pkg_var} "" PARENT_SCOPE)
  set(${version_var} "" PARENT_SCOPE)
  get_filename_component(real "${file}" REALPATH)
  set(candidates "${real}")
  # dpkg's database of Debian 12 still lists /lib/<triplet>/libc.so.6 where the file is found at
  # /usr/lib/<triplet>/libc.so.6 (the /usr merge).
  if(real MATCHES "^/usr(/.+)$")
    list(APPEND candidates "${CMAKE_MATCH_1}")
  endif()
  foreach(path IN LISTS candidates)
    execute_process(COMMAND "${EXEC_DPKG_QUERY}" -S "${path}"
      OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(rc EQUAL 0)
      # "libwireshark16:amd64: /usr/lib/...", possibly after "diversion by ..." lines.
      string(REGEX MATCH "(^|\n)([a-z0-9][a-z0-9+.-]*)(:[a-z0-9-]+)?: /" match "${out}")
      if(match)
        set(pkg "${CMAKE_MATCH_2}")
        execute_process(COMMAND "${EXEC_DPKG_QUERY}" -W "-f=\${Version}" "${CMAKE_MATCH_2}${CMAKE_MATCH_3}"
          OUTPUT_VARIABLE version RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
        if(rc EQUAL 0 AND version)
          set(${pkg_var} "${pkg}" PARENT_SCOPE)
          set(${version_var} "${version}" PARENT_SCOPE)
        endif()
        return()
      endif()
    endif()
  endforeach()
endfunction()

# Wireshark's libraries (libwireshark, libwsutil): the exact packages, same minor version only:
# "libwireshark16 (>= 4.0.17), libwireshark16 (<< 4.1~)". The epoch, if any, is kept.
math(EXPR exec_next_minor "${Wireshark_MINOR_VERSION} + 1")
set(exec_deb_depends "")
foreach(target epan wsutil)
  if(NOT TARGET ${target})
    continue()
  endif()
  get_target_property(location ${target} LOCATION)
  exec_deb_owner("${location}" pkg version)
  if(NOT pkg)
    message(STATUS "Debian package: not available: ${location} (target ${target}) is not from a Debian package")
    return()
  endif()
  string(REGEX MATCH "^[0-9]+:" epoch "${version}")
  list(APPEND exec_deb_depends
    "${pkg} (>= ${epoch}${Wireshark_VERSION})"
    "${pkg} (<< ${epoch}${Wireshark_MAJOR_VERSION}.${exec_next_minor}~)")
  if(target STREQUAL epan)
    set(EXEC_DEB_LIBWIRESHARK "${pkg}")
  endif()
endforeach()
if(NOT EXEC_DEB_LIBWIRESHARK)
  message(STATUS "Debian package: not available: no epan target")
  return()
endif()

# The other libraries exec.so links directly (GLib, the C library): at least the version built with.
find_library(EXEC_GLIB_LIBRARY NAMES glib-2.0)
execute_process(COMMAND "${CMAKE_C_COMPILER}" -print-file-name=libc.so.6
  OUTPUT_VARIABLE exec_libc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
foreach(library IN ITEMS "${EXEC_GLIB_LIBRARY}" "${exec_libc}")
  if(NOT IS_ABSOLUTE "${library}" OR NOT EXISTS "${library}")
    continue()
  endif()
  exec_deb_owner("${library}" pkg version)
  if(pkg)
    string(REGEX REPLACE "-[^-]*$" "" upstream "${version}")    # the Debian revision
    list(APPEND exec_deb_depends "${pkg} (>= ${upstream})")
  endif()
endforeach()
list(JOIN exec_deb_depends ", " exec_deb_depends)

# <prefix>/lib/<triplet>/wireshark/plugins/<X.Y>/epan, relative to the packaging prefix.
file(RELATIVE_PATH EXEC_DEB_PLUGIN_DIR "${Wireshark_INSTALL_PREFIX}" "${Wireshark_PLUGIN_INSTALL_DIR}/epan")
if(NOT Wireshark_PLUGIN_INSTALL_DIR OR EXEC_DEB_PLUGIN_DIR MATCHES "^\\.\\./")
  message(STATUS "Debian package: not available: Wireshark's plugin folder "
                 "'${Wireshark_PLUGIN_INSTALL_DIR}' is not under its prefix '${Wireshark_INSTALL_PREFIX}'")
  return()
endif()
# 0644 like Wireshark's own plugins; CPACK_STRIP_FILES strips it.
install(TARGETS exec
  LIBRARY DESTINATION "${EXEC_DEB_PLUGIN_DIR}"
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
          COMPONENT deb EXCLUDE_FROM_ALL NAMELINK_SKIP)

# Debian policy 12.5 and lintian (errors no-copyright-file, no-changelog) want these two in every
# package. Every source file of exec.so says SPDX-License-Identifier: GPL-2.0-or-later.
set(exec_deb_doc "${CMAKE_BINARY_DIR}/deb-doc")
file(WRITE "${exec_deb_doc}/copyright" "\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: exec-dissector
Comment: exec.so, the Wireshark plugin built from the exec-dissector sources,
 each of which carries SPDX-License-Identifier: GPL-2.0-or-later.

Files: *
Copyright: 2026 the exec-dissector contributors
License: GPL-2+
 This program is free software; you can redistribute it and/or modify
 it under the terms of the GNU General Public License as published by
 the Free Software Foundation; either version 2 of the License, or
 (at your option) any later version.
 .
 This program is distributed in the hope that it will be useful,
 but WITHOUT ANY WARRANTY; without even the implied warranty of
 MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 GNU General Public License for more details.
 .
 On Debian systems, the full text of the GNU General Public License
 version 2 can be found in the file /usr/share/common-licenses/GPL-2.
")
# One entry for this version; the date is SOURCE_DATE_EPOCH when set (string(TIMESTAMP) honours it).
string(TIMESTAMP exec_deb_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(EXEC_DEB_MAINTAINER "Seed 5f0e513b maintainers <maintainers@users.noreply.r-seed-5f0e513b.example>"
  CACHE STRING "The Maintainer field of the Debian package")
file(WRITE "${exec_deb_doc}/changelog" "\
wireshark-plugin-exec (${PROJECT_VERSION}) unstable; urgency=medium

  * exec-dissector ${PROJECT_VERSION}, built for Wireshark ${Wireshark_VERSION} with CMake's CPack.

 -- ${EXEC_DEB_MAINTAINER}  ${exec_deb_date}
")
execute_process(COMMAND gzip -9nf "${exec_deb_doc}/changelog" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(STATUS "Debian package: not available: gzip failed")
  return()
endif()
install(FILES "${exec_deb_doc}/copyright" "${exec_deb_doc}/changelog.gz"
  DESTINATION share/doc/wireshark-plugin-exec
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
  COMPONENT deb EXCLUDE_FROM_ALL)

execute_process(COMMAND "${EXEC_DPKG}" --print-architecture
  OUTPUT_VARIABLE exec_deb_arch OUTPUT_STRIP_TRAILING_WHITESPACE)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wireshark-plugin-exec)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};deb;/")
set(CPACK_PACKAGING_INSTALL_PREFIX "${Wireshark_INSTALL_PREFIX}")
set(CPACK_ERROR_ON_ABSOLUTE_INSTALL_DESTINATION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_NAME wireshark-plugin-exec)
set(CPACK_DEBIAN_FILE_NAME "wireshark-plugin-exec_${PROJECT_VERSION}_${exec_deb_arch}.deb")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "${exec_deb_arch}")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${exec_deb_depends}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${EXEC_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# A synopsis, then the long description in lines under 80 characters (CPack indents them).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Wireshark plugin decoding the rexec protocol (TCP 512) in full
This plugin for Wireshark and tshark ${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION} decodes the BSD remote execution
protocol (rexec, TCP port 512) completely: the four handshake strings however
they are segmented, the server's reply, the command's stdin, stdout and
stderr, and the stderr channel the server opens back to the client.

It replaces Wireshark's built-in exec dissector in place: the filter exec,
the fields exec.username, exec.password and exec.command, and the exec
preferences keep working. Removing this package gives the built-in back.")
include(CPack)
message(STATUS "Debian package: ${CPACK_DEBIAN_FILE_NAME} (${CPACK_PACKAGING_INSTALL_PREFIX}/${EXEC_DEB_PLUGIN_DIR}/exec.so; Depends: ${exec_deb_depends})")
