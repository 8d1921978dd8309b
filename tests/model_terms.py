"""Names from docs/model.md that more than one test file checks against."""

from __future__ import annotations

__all__ = ["CLAIM_CLASS_NAMES"]

# The claim classes of docs/model.md (dikg: local names); subclasses in the TBox count too.
CLAIM_CLASS_NAMES: tuple[str, ...] = (
    "Claim",
    "Contraindication",
    "Interaction",
    "Warning",
    "Indication",
    "TargetAction",
    "AdverseEffectClaim",
    "DosingRegimen",
    "Alternative",
    "TherapyUse",
    "RiskFactorClaim",
    "Statement",
)
