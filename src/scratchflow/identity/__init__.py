"""The identity step: repair the identities of colour-marked mice tracked together in one
arena, from the fur colour the video shows (docs/identity.md).

``colours`` (the hue table), ``params`` (IdentityParams), ``evidence`` (colour around each
keypoint), ``assign`` (the two Viterbi passes), ``events`` (repairs and confidence),
``figure`` (QC timeline), ``files`` (output names) and ``step`` (``identify``).
"""

from scratchflow.identity.params import IdentityParams

__all__ = ["IdentityParams"]
