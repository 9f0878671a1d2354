# Cross-compiling to 64-bit ARM Linux with Debian/Ubuntu's g++-aarch64-linux-gnu
# (scripts/prebuild.mjs linux-arm64, and .ci/run's parity runner under qemu-user).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# CUDA is never cross-built here.
set(TX_CUDA OFF CACHE BOOL "" FORCE)
