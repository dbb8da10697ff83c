# copro — the two commands a new user needs are `make demo` and `make test`.
# Both install what is missing (Debian: libcsv-dev, libreadstat-dev) and build with the Swift package manager.
SWIFT ?= swift
APT_PACKAGES := libcsv-dev libreadstat-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test deps build release reports sample-data screenshot

# Install the system libraries copro links against, only if they are missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

release: deps
	$(SWIFT) build -c release --product copro

build: deps
	$(SWIFT) build --product copro

# Print the Beacon report from the embedded sample data.
demo: release
	@$$($(SWIFT) build -c release --show-bin-path)/copro report SampleData/beacon/plan.yaml

# The whole test suite (reference cases, corpus, golden reports).
test: deps
	$(SWIFT) test

# Regenerate the sample data (seeded: byte-identical) and every committed report.
sample-data: release
	@bin=$$($(SWIFT) build -c release --show-bin-path); for c in $(CASES); do $$bin/copro sample-data $$c || exit 1; done

CASES := beacon profile porto-alegre tackley caterham villa-family sure-start

# Each sample plan's report, in text and HTML, as reports/<case>.txt and reports/<case>.html.
PLANS := $(foreach c,$(CASES),SampleData/$(c)/plan.yaml) SampleData/sure-start/plan-after.yaml

reports: release
	@bin=$$($(SWIFT) build -c release --show-bin-path); \
	for plan in $(PLANS); do \
	  name=$$(basename $$(dirname $$plan))$$(basename $$plan .yaml | sed 's/^plan//'); \
	  $$bin/copro report $$plan -o reports/$$name.txt && \
	  $$bin/copro report $$plan --format html -o reports/$$name.html && \
	  echo "wrote reports/$$name.txt reports/$$name.html" || exit 1; \
	done

# Render each HTML report in headless Chromium and fail on console errors (not part of CI).
screenshot: reports
	@for f in reports/*.html; do scripts/screenshot-html.sh $$f scratch/screenshots || exit 1; done

# libFuzzer harnesses (Fuzz/) for CSV ingest, instruments, plans and XLSForms, with the address
# sanitizer; FUZZ_SECONDS per harness (the issue asks 600). Findings: .build/fuzz/findings/.
FUZZ_SECONDS ?= 60
.PHONY: fuzz sanitize
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# The test suite under the address sanitizer, then the ingest tests (which hash on a second
# thread) under the thread sanitizer. Separate build folders keep the normal build intact.
# Leak detection is off: the only leaks reported are XCTest's own (its runner, which `swift test`
# starts before Swift Testing), not copro's (docs/robustness.md, "Sanitizers").
sanitize: deps
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --sanitize=address --scratch-path .build/asan
	$(SWIFT) test --sanitize=thread --scratch-path .build/tsan --filter SurveyIngestTests
