"""``python -m bench`` (``make bench``): every benchmark, one after the other."""

import subprocess
import sys

for module in ("bench.ffi", "bench.controller"):
    print(f"== {module}", flush=True)
    subprocess.run([sys.executable, "-m", module], check=True)
