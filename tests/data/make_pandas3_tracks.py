"""Make pandas3_tracks.h5: a two-mouse DeepLabCut table as pandas 3 writes it.

pandas 2 (which DeepLabCut 3.0.2 needs) cannot read this file with ``pandas.read_hdf``; the
reader in ``scratchflow.formats.dlc`` must. Run it with pandas >= 3 and PyTables:

    python -m venv /tmp/pd3 && /tmp/pd3/bin/pip install 'pandas>=3' tables
    /tmp/pd3/bin/python tests/data/make_pandas3_tracks.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

assert int(pd.__version__.split(".")[0]) >= 3, "run with pandas 3"
columns = pd.MultiIndex.from_product(
    [["DLC_demo"], ["mouse1", "mouse2"], ["nose", "hind_paw_left"], ["x", "y", "likelihood"]],
    names=["scorer", "individuals", "bodyparts", "coords"])
values = np.arange(5 * len(columns), dtype=float).reshape(5, -1)
values[2, 3] = np.nan  # a point the model missed
pd.DataFrame(values, columns=columns).to_hdf(
    Path(__file__).with_name("pandas3_tracks.h5"), key="df_with_missing", format="table",
    mode="w", complevel=9, complib="zlib")
