# Thin wrapper over scripts/ and CMake. Every target installs what it is missing
# (through scripts/deps.sh, which needs root only when something is missing),
# is safe to run again, and works from any directory: make -C path/to/warren test
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BUILD_DIR ?= $(ROOT)/build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
CTEST_ARGS ?=
PREFIX ?= /usr/local

# The scripts read these, so that `make test BUILD_DIR=...` tests that build.
export BUILD_DIR JOBS

# Targets run one after the other even under `make -j`: two apt-get runs at
# once would fight over the dpkg lock. CMake parallelises the build itself.
.NOTPARALLEL:
.PHONY: all deps deps-build deps-test build run test bench install clean

all: build

# Everything: build, tests and benchmarks.
deps:
	"$(ROOT)/scripts/deps.sh" all

deps-build:
	"$(ROOT)/scripts/deps.sh" build

deps-test:
	"$(ROOT)/scripts/deps.sh" test

# Configuring again is cheap and picks up a changed BUILD_TYPE or CMAKE_ARGS;
# ccache (found by CMakeLists.txt) makes rebuilding after `make clean` quick.
build: deps-build
	cmake -S "$(ROOT)" -B "$(BUILD_DIR)" -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)
	cmake --build "$(BUILD_DIR)" -j $(JOBS)

run: build
	"$(ROOT)/scripts/run.sh"

test: deps-test build
	"$(ROOT)/scripts/test.sh" $(CTEST_ARGS)

bench: deps build
	bash "$(ROOT)/bench/run.sh"

# The gateway, its plugins and the plugin SDK under PREFIX (bin/,
# lib/warren/plugins/, include/warren/, lib/cmake/WarrenSDK/). Only the SDK:
# cmake --install build --component sdk --prefix DIR
install: build
	cmake --install "$(BUILD_DIR)" --prefix "$(PREFIX)"

clean:
	rm -rf "$(BUILD_DIR)"
