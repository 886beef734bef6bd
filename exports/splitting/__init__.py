"""Leak-free splits: related items are grouped, and whole groups are assigned to splits."""

from exports.splitting.assign import SPLITS, SplitAssignment, SplitRatios, splits_assign
from exports.splitting.grouping import LINK_REASONS, Grouping, GroupingBuilder
from exports.splitting.minhash import NearDuplicateSettings
from exports.splitting.report import split_report_build

__all__ = [
    "LINK_REASONS",
    "SPLITS",
    "Grouping",
    "GroupingBuilder",
    "NearDuplicateSettings",
    "SplitAssignment",
    "SplitRatios",
    "split_report_build",
    "splits_assign",
]
