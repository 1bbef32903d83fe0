#!/usr/bin/env bash
# Every CUDA check in one run (under 5 minutes on one GPU): the surrogate, WPM and the mnist1d
# generator; see bench/gpu_check.py.
#   bash bench/gpu_check.sh            # on a machine with CUDA
#   bash bench/gpu_check.sh --cpu      # the same code on the CPU, 20,000 curves (a smoke test)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--cpu" ]]; then
    exec timeout 300 python bench/gpu_check.py --device cpu --curves 20000 \
        --gen-cells 1 --gen-epochs 1 --gen-workers 0
fi
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
exec timeout 300 python bench/gpu_check.py --device cuda --curves 1000000
