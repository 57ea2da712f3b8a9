"""Campaigns: a declarative ``campaign.toml`` describing samples, files and analyses, run into
a results folder (figures, CSV, JSON) and an embedded SQLite store that caches by content hash,
so a re-run recomputes only what changed.
"""

from __future__ import annotations

from heterolab.campaign.runner import CampaignRun, run_campaign
from heterolab.campaign.spec import Campaign, Step, load_campaign

__all__ = ["Campaign", "CampaignRun", "Step", "load_campaign", "run_campaign"]
