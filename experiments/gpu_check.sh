#!/bin/sh
# The GPU figures of `g2p` in one run on a lent accelerator (the device tool), a few minutes:
#   command: sh experiments/gpu_check.sh        carry: .whl (see below)
# It writes experiments/results/gpu.{md,json} and copies them to $OUT, whence they come back.
#
# The device's image has torch, numpy, pillow, opencv, scikit-image, tqdm and jinja2, but not
# z3-solver, pycairo, starlette, uvicorn or python-multipart. Carry them as cp312 x86_64 wheels
# in .whl/ (the device README's `pip download` recipe). z3-solver and the pure-Python ones have
# wheels on PyPI; pycairo publishes none for Linux, so build one for cp312 beforehand (e.g.
# `pip wheel pycairo` under a Python 3.12 with libcairo2-dev installed) and carry its
# libcairo2 run-time libraries beside it if the image lacks them.
set -e
cd "$(dirname "$0")/.."
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
    PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
python3 -c "import cairo, z3, torch; assert torch.cuda.is_available(), 'no CUDA device'" || {
    echo "gpu_check: pycairo, z3-solver or CUDA missing (see the comment at the top)" >&2; exit 2; }
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
timeout 480 python3 experiments/gpu_check.py --device cuda "$@"
if [ -n "$OUT" ]; then cp experiments/results/gpu.md experiments/results/gpu.json "$OUT"/; fi
