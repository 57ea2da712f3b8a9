"""Campaigns: a declarative ``campaign.toml`` describing samples, measurements, analysis steps
and series tables, run as a task graph into a results folder (figures, CSV, JSON) and a
queryable SQLite store that caches by content hash, so a re-run recomputes only what changed.

Public API: :func:`load_campaign`, :func:`run_campaign`, :func:`campaign_status`,
:func:`open_results` (pandas/xarray tables), :data:`STEP_TYPES` / :func:`register_step_type`.
"""

from __future__ import annotations

from heterolab.campaign.registry import STEP_TYPES, StepType, register_step_type
from heterolab.campaign.results import CampaignResults, open_results
from heterolab.campaign.runner import CampaignRun, campaign_status, default_outdir, run_campaign
from heterolab.campaign.spec import Campaign, Measurement, Sample, Series, Step, load_campaign

__all__ = [
    "STEP_TYPES",
    "Campaign",
    "CampaignResults",
    "CampaignRun",
    "Measurement",
    "Sample",
    "Series",
    "Step",
    "StepType",
    "campaign_status",
    "default_outdir",
    "load_campaign",
    "open_results",
    "register_step_type",
    "run_campaign",
]
