# `cmake --install` and CPack: the strata executable, its PostgreSQL module, libstrata.so with its
# public headers, a CMake package (find_package(strata) -> strata::strata), a pkg-config file,
# the man page and shell completion; `cpack -G DEB` makes strata_<version>_<arch>.deb from the
# same rules. Every path is relative to the prefix, so DESTDIR and any prefix work.
include(CMakePackageConfigHelpers)

install(TARGETS strata RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
if(TARGET strata_postgres)
  install(TARGETS strata_postgres LIBRARY DESTINATION "${STRATA_INSTALL_MODULEDIR}")
endif()
# The HTTP transport of `strata serve` (cpp-httplib), loaded only by `serve`.
install(TARGETS strata_http LIBRARY DESTINATION "${STRATA_INSTALL_MODULEDIR}")
install(TARGETS strata_library EXPORT strataTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" NAMELINK_COMPONENT Unspecified
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(DIRECTORY include/strata DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" FILES_MATCHING
  PATTERN "*.h")
install(FILES "${PROJECT_BINARY_DIR}/include/strata/version.h"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/strata")

# The Python package (strata/__init__.py and the _strata extension), when it is built.
if(TARGET _strata)
  install(TARGETS _strata LIBRARY DESTINATION "${STRATA_INSTALL_PYTHONDIR}/strata")
  install(FILES "${STRATA_PYTHON_DIR}/__init__.py" "${STRATA_PYTHON_DIR}/__init__.pyi"
    "${STRATA_PYTHON_DIR}/py.typed" DESTINATION "${STRATA_INSTALL_PYTHONDIR}/strata")
endif()

set(strata_cmakedir "${CMAKE_INSTALL_LIBDIR}/cmake/strata")
install(EXPORT strataTargets NAMESPACE strata:: DESTINATION "${strata_cmakedir}")
configure_package_config_file(cmake/strataConfig.cmake.in
  "${PROJECT_BINARY_DIR}/strataConfig.cmake" INSTALL_DESTINATION "${strata_cmakedir}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/strataConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/strataConfig.cmake"
  "${PROJECT_BINARY_DIR}/strataConfigVersion.cmake" DESTINATION "${strata_cmakedir}")

# pkg-config: prefix found from the .pc file's own place, so a relocated tree still works.
set(strata_pcdir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
file(RELATIVE_PATH strata_pc_to_prefix "/${strata_pcdir}" "/")
string(REGEX REPLACE "/$" "" strata_pc_to_prefix "${strata_pc_to_prefix}")
configure_file(cmake/strata.pc.in "${PROJECT_BINARY_DIR}/strata.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/strata.pc" DESTINATION "${strata_pcdir}")

# The man page and completion scripts come from the CLI's own definition (strata __man,
# strata completion SHELL), so they cannot drift from the code. Not when cross-compiling.
if(NOT CMAKE_CROSSCOMPILING)
  add_custom_command(OUTPUT "${PROJECT_BINARY_DIR}/strata.1"
    COMMAND strata __man > "${PROJECT_BINARY_DIR}/strata.1"
    DEPENDS strata VERBATIM COMMENT "Generating strata.1 from the CLI's help")
  foreach(shell bash zsh fish)
    add_custom_command(OUTPUT "${PROJECT_BINARY_DIR}/completion/strata.${shell}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${PROJECT_BINARY_DIR}/completion"
      COMMAND strata completion ${shell} > "${PROJECT_BINARY_DIR}/completion/strata.${shell}"
      DEPENDS strata VERBATIM)
  endforeach()
  add_custom_target(strata_docs ALL DEPENDS "${PROJECT_BINARY_DIR}/strata.1"
    "${PROJECT_BINARY_DIR}/completion/strata.bash" "${PROJECT_BINARY_DIR}/completion/strata.zsh"
    "${PROJECT_BINARY_DIR}/completion/strata.fish")
  install(FILES "${PROJECT_BINARY_DIR}/strata.1" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
  install(FILES "${PROJECT_BINARY_DIR}/completion/strata.bash"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" RENAME strata)
  install(FILES "${PROJECT_BINARY_DIR}/completion/strata.zsh"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions" RENAME _strata)
  install(FILES "${PROJECT_BINARY_DIR}/completion/strata.fish"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d")
endif()
install(FILES README.md CHANGELOG.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# Debian package: cpack -G DEB (in the build folder) -> strata_<version>_<arch>.deb.
set(CPACK_PACKAGE_NAME strata)
set(CPACK_PACKAGE_VENDOR "strata developers")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "schema migrations for PostgreSQL and SQLite, Alembic-compatible")
set(CPACK_PACKAGE_CONTACT "strata developers <strata@localhost>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "strata developers <strata@localhost>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # strata_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)     # Depends from the ELF files (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql-client")  # pg_dump for backups
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "strata runs revision files with upgrade and downgrade parts against PostgreSQL and SQLite,\n\
shares Alembic's version table, lints migrations with PostgreSQL's own parser, verifies\n\
round trips and detects drift.")
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
include(CPack)
