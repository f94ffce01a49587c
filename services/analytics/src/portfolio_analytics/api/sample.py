"""``PUT|DELETE /internal/sample``: load or remove the sample week of traffic
(``portfolio_analytics.sample``), for core's ``load_sample_data``/``remove_sample_data`` and its admin
action (service auth)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from portfolio_analytics.deps import NowMsDep, RedisDep, SettingsDep
from portfolio_analytics.sample import load_sample, remove_sample, sample_loaded
from portfolio_shared.auth import ServicePrincipal
from portfolio_shared.auth.fastapi import SERVICE_AUTH_RESPONSES, require_service
from portfolio_shared.errors.fastapi import error_responses

#: Who may load or remove the sample: core and an operator.
CALLERS = ("core", "admin")

router = APIRouter(prefix="/internal/sample", tags=["sample"])
CallerDep = Annotated[ServicePrincipal, Depends(require_service(*CALLERS))]
RESPONSES = {**SERVICE_AUTH_RESPONSES, **error_responses(503)}


class SampleState(BaseModel):
    """Whether the sample week is loaded; ``events``/``visitors`` written, or ``deleted`` keys."""

    loaded: bool
    events: int = 0
    visitors: int = 0
    deleted: int = 0


@router.get("", summary="Whether the sample week of traffic is loaded", responses=RESPONSES)
async def get_sample(caller: CallerDep, redis: RedisDep, settings: SettingsDep) -> SampleState:
    return SampleState(loaded=await sample_loaded(redis, settings))


@router.put(
    "",
    summary="Load a week of sample traffic ending now (replaces a loaded one); the dashboard shows it, "
    "marked sample, until it is removed",
    responses=RESPONSES,
)
async def put_sample(
    caller: CallerDep, redis: RedisDep, settings: SettingsDep, now_ms: NowMsDep
) -> SampleState:
    loaded = await load_sample(redis, settings, now_ms)
    return SampleState(loaded=True, events=loaded.events, visitors=loaded.visitors)


@router.delete(
    "", summary="Remove the sample traffic: its own keys only, never a real one", responses=RESPONSES
)
async def delete_sample(caller: CallerDep, redis: RedisDep, settings: SettingsDep) -> SampleState:
    return SampleState(loaded=False, deleted=await remove_sample(redis, settings))
