"""Peak memory and speed of the identity repair alone (no video), on random tracks of four
mice with six keypoints, for a given number of frames: what a long recording needs.

    python benchmarks/identity_memory.py 180000     # 2 hours at 25 fps
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from scratchflow.identity import IdentityParams
from scratchflow.identity.assign import keypoint_votes, repair_identity

N_MICE, N_KEYPOINTS, N_COLOURS, SAMPLES = 4, 6, 4, 21


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("frames", type=int)
    n_frames = parser.parse_args().frames
    rng = np.random.default_rng(0)
    position = rng.uniform(0, 600, (n_frames, N_MICE, N_KEYPOINTS, 2))
    counts = rng.integers(0, 5, (n_frames, N_MICE, N_KEYPOINTS, N_COLOURS)).astype(np.uint8)
    started = time.perf_counter()
    votes = keypoint_votes(counts, SAMPLES, IdentityParams())
    repair_identity(position, votes, 25.0, IdentityParams(), 50.0)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(f"{n_frames} frames: {seconds:.1f} s ({n_frames / seconds:.0f} frames/s), "
          f"peak resident memory {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
