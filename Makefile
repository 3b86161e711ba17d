# The front door. Each target installs what it needs first (scripts/bootstrap.sh).
#   make test    every test: native Release, the benchmarks once (QUICK), ASan+UBSan, TSan, WebAssembly,
#                the JavaScript packages (js/: build, type check, node tests, Chromium), install,
#                the browser demo (examples/mf-demo: its stories in Chromium)
#   make demo          builds the Module Federation demo (examples/mf-demo) and serves it until Ctrl-C
#   make demo-check    the same, headless: runs its stories in Chromium, writes screenshots, exits
#   make demo-console  builds and runs the console demo (examples/demo.cpp)
#   make bench   builds Release and runs the benchmarks
#   make bench-profile  instructions per operation, mfstate beside its floor (callgrind)
#   make fuzz    builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS
# Single stages: make test-release, test-bench, test-sanitize, test-tsan, test-wasm, test-js, test-install, test-demo.
JOBS ?= $(shell nproc)
BUILD ?= build
FUZZ_SECONDS ?= 60
export JOBS BUILD FUZZ_SECONDS

STAGES := release bench sanitize tsan wasm js install demo

.PHONY: all bootstrap build demo demo-check demo-console test $(addprefix test-,$(STAGES)) bench bench-profile fuzz format clean
# Each stage already uses every core; running two at once would only thrash.
.NOTPARALLEL:

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	@scripts/test.sh --build-only release

test: bootstrap
	@scripts/test.sh

$(addprefix test-,$(STAGES)): test-%: bootstrap
	@scripts/test.sh $*

demo: bootstrap
	@scripts/mf-demo.sh serve

demo-check: bootstrap
	@scripts/mf-demo.sh check

demo-console: bootstrap
	@scripts/demo.sh

bench: bootstrap
	@scripts/bootstrap.sh --npm
	@scripts/bench.sh

# WORKLOAD=IDs profiles some workloads only; PROFILE_ARGS passes --full or --top.
bench-profile: bootstrap
	@PROFILE=1 scripts/bench.sh

fuzz: bootstrap
	@scripts/fuzz.sh

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
