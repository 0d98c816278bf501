"""``scratchflow clips``: a short review MP4 per detected bout (``step``), the hind paws and
stroke count drawn on (``overlay``); ``files`` names the clips, which the summary links."""
