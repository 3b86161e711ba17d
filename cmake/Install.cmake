include(CMakePackageConfigHelpers)

set(mfstate_installed_targets mfstate)
if(NOT MFSTATE_WASM)
  list(APPEND mfstate_installed_targets mfstate_http mfstate_registry)
endif()
install(TARGETS ${mfstate_installed_targets} EXPORT mfstateTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/mfstate DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mfstateTargets NAMESPACE mfstate:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mfstate)

configure_package_config_file(cmake/mfstateConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/mfstateConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mfstate)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/mfstateConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mfstateConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/mfstateConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/mfstate)

# The .pc file locates the prefix from its own folder, so `cmake --install --prefix` anywhere works.
file(RELATIVE_PATH MFSTATE_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
# One .pc file per library: mfstate (the runtime), mfstate-http, mfstate-registry.
configure_file(cmake/mfstate.pc.in ${CMAKE_CURRENT_BINARY_DIR}/mfstate.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/mfstate.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(NOT MFSTATE_WASM)
  foreach(pc mfstate-http mfstate-registry)
    configure_file(cmake/${pc}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
    install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  endforeach()
endif()
