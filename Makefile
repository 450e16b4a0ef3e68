# graphics2prog: install, demo, test. Every target installs what it needs first.
PYTHON ?= python3
# torch: 2.13.0 is the CPU build that installs offline on the project's machines. Elsewhere plain
# pip takes a CUDA build of several GB; for the CPU build there, run
#   make install TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
# handwritten text: PP-OCRv4 on onnxruntime. Installed without its dependencies (it asks for
# opencv-python, which clashes with opencv-python-headless); setup.cfg's `ocr` extra has the rest
RAPIDOCR ?= rapidocr-onnxruntime==1.4.4
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# cairo for pycairo; Chromium and its driver for the browser test of `g2p serve` (it skips without)
SYS_PACKAGES := libcairo2-dev pkg-config
BROWSER_PACKAGES := chromium chromium-driver

.PHONY: install demo test lint clean system-packages browser-packages serve

install: $(STAMP)

# $(call apt_install,PACKAGES,WHAT,IF-NOT-ROOT,IF-IT-FAILS): install the missing PACKAGES as root
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "installing $(2):$$missing"; \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) \
				|| { $(4); }; \
		else \
			$(3); \
		fi; \
	fi
endef

system-packages:
	$(call apt_install,$(SYS_PACKAGES),system packages,echo "missing system packages; run: sudo apt-get install -y$$missing"; exit 1,exit 1)

# Optional: without them the browser test skips and says why.
browser-packages:
	$(call apt_install,$(BROWSER_PACKAGES),browser packages,echo "the browser test needs:$$missing (sudo apt-get install -y$$missing); it will be skipped",echo "could not install$$missing: the browser test will be skipped")

$(STAMP): setup.cfg | system-packages browser-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(TORCH) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/pip install -q -e '.[dev,ocr]'
	$(BIN)/pip install -q --no-deps $(RAPIDOCR)
	$(BIN)/python -c "import rapidocr_onnxruntime, onnx" || { echo "OCR not importable"; exit 1; }
	touch $(STAMP)

demo: install
	$(BIN)/g2p infer data/examples/example-1.png --out demo_out --extrapolate demo_out/extrapolated.png
	@echo "wrote demo_out/: render.png/.svg (the clean figure), figure.tex, spec.json, program.txt,"
	@echo "input.png (what the networks saw) and extrapolated.png (every loop grown by one)"

serve: install
	$(BIN)/g2p serve

# The layers contract (.importlinter): imports go one way, down the pipeline.
lint: install
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest tests

clean:
	rm -rf $(VENV) demo_out .pytest_cache
