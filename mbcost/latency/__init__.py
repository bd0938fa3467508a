"""Predicted latency: what each layer asks of a device (``work``), device profiles and the
roofline prediction (``profile``), and fitting a profile to measurements (``fit``, ``nnls``,
``calibration``). Predictions are labelled as such wherever they are shown, with the fit's
leave-one-out error beside them."""

from __future__ import annotations

from mbcost.latency.fit import DEFAULT_RATE_GROUPS, FitReport, SampleFit, fit_profile
from mbcost.latency.profile import (
    DeviceError,
    Profile,
    WorkingSet,
    dump_profile,
    get_device,
    list_devices,
    load_profile,
    network_bytes,
    parse_profile,
    predict,
    predict_all,
    total_seconds,
)
from mbcost.latency.work import WORK, LayerWork, layer_work, plan_work, report_work

__all__ = [
    "DEFAULT_RATE_GROUPS",
    "WORK",
    "DeviceError",
    "FitReport",
    "LayerWork",
    "Profile",
    "SampleFit",
    "WorkingSet",
    "dump_profile",
    "fit_profile",
    "get_device",
    "layer_work",
    "list_devices",
    "load_profile",
    "network_bytes",
    "parse_profile",
    "plan_work",
    "predict",
    "predict_all",
    "report_work",
    "total_seconds",
]
