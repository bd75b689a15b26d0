# Developer entry points. Each target first installs missing Debian packages, then drives CMake.
# Quick start: `make run` (build and serve on ./data) and `make test` (all tests).

BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DEPS := scripts/install-deps.sh
LISTEN ?= 127.0.0.1:8080
DATA ?= ./data

.PHONY: build run test asan bench bench-smoke format clean deps-build deps-test deps-bench node-deps

deps-build:
	@$(DEPS) build
deps-test:
	@$(DEPS) test
deps-bench:
	@$(DEPS) bench

# Configuring again each time is cheap and picks up packages installed since the last run (the bench
# group adds Google Benchmark, for example). It runs in the recipes, after the dependencies.
CONFIGURE = cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) > /dev/null

build: deps-build
	@$(CONFIGURE)
	cmake --build $(BUILD_DIR) --target crmd -j $(JOBS)

run: build
	$(BUILD_DIR)/crmd serve --listen $(LISTEN) --data $(DATA)

node-deps:
	@cd tests/clients && { [ -d node_modules/axios ] && [ -d node_modules/@apidevtools/swagger-parser ] || npm ci --no-audit --no-fund --loglevel=error; }

test: deps-test node-deps
	@$(CONFIGURE)
	cmake --build $(BUILD_DIR) -j $(JOBS)
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

asan: deps-test node-deps
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCRM_SANITIZE="address;undefined" $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS)

bench: deps-bench
	@$(CONFIGURE)
	cmake --build $(BUILD_DIR) -j $(JOBS)
	bench/run.sh --build-dir $(BUILD_DIR)

bench-smoke: deps-bench
	@$(CONFIGURE)
	cmake --build $(BUILD_DIR) -j $(JOBS)
	bench/run.sh --build-dir $(BUILD_DIR) --smoke

format:
	find src tests bench fuzz -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
