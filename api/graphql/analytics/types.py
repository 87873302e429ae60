"""The head office's figures: abandoned carts and what came back, the journey funnel with
its drop-off, cross-channel journeys, no-shows, and how long returns take."""

from __future__ import annotations

from datetime import date

import strawberry

from api.graphql.common import Money
from api.graphql.enums import Channel, JourneyStep, ReturnChannel
from projections import cart_recovery, journey_queries


@strawberry.type(description="Carts abandoned on one day that were started on one channel.")
class RecoveryStats:
    day: date
    channel: Channel
    abandoned: int
    value: Money = strawberry.field(description="Their lines at cart prices when abandoned.")
    recovered: int
    value_recovered: Money = strawberry.field(description="The lines that came back, re-checked.")
    recovered_share: float | None = strawberry.field(description="recovered / abandoned.")

    @classmethod
    def of(cls, stats: cart_recovery.RecoveryStats) -> RecoveryStats:
        return cls(
            day=stats.day,
            channel=Channel(stats.channel),
            abandoned=stats.abandoned,
            value=Money(amount=stats.value, currency=stats.currency),
            recovered=stats.recovered,
            value_recovered=Money(amount=stats.value_recovered, currency=stats.currency),
            recovered_share=stats.recovered_share,
        )


@strawberry.type(description="Journeys that reached a step, and how many went no further.")
class FunnelStep:
    step: JourneyStep
    reached: int
    dropped: int
    drop_off: float | None = strawberry.field(description="dropped / reached.")


@strawberry.type(
    description="Journeys (a cart's life) started on one day on one channel, for one store "
    "(None: not checked out, or the chain)."
)
class JourneyStats:
    day: date
    store_id: str | None
    channel: Channel = strawberry.field(description="Where the journey started.")
    funnel: list[FunnelStep]
    cross_channel: int = strawberry.field(
        description="Checked out on another channel or device than started (both known: an "
        "UNKNOWN channel or a missing device id is never a switch), or bought online and "
        "returned in a store."
    )
    cross_channel_share: float | None = strawberry.field(description="Of those checked out.")
    no_shows: int
    no_show_rate: float | None = strawberry.field(description="Of the ready pickups.")
    notified: int = strawberry.field(
        description="Ready pickups whose customer was told: a notice the mail server accepted, "
        "or staff's own word. A notice that was only due, or failed, does not count."
    )
    notified_share: float | None = strawberry.field(description="Of the ready pickups.")
    bought_in_store: int = strawberry.field(
        description="Carts a till rang up as its sale (checked out, paid and handed over at "
        "the till, in the till's store): started on WEB, a web -> store journey. They count "
        "as cross-channel when started elsewhere, and never as pickups."
    )
    shipped: int = strawberry.field(
        description="Shipped orders whose parcel left the warehouse (shipOrder). The funnel "
        "keeps them at PAID: READY and COLLECTED are a pickup's steps."
    )

    @classmethod
    def of(cls, stats: journey_queries.JourneyStats) -> JourneyStats:
        return cls(
            day=stats.day,
            store_id=stats.store_id,
            channel=Channel(stats.channel),
            funnel=[
                FunnelStep(
                    step=JourneyStep(s.step),
                    reached=s.reached,
                    dropped=s.dropped,
                    drop_off=s.drop_off,
                )
                for s in stats.funnel
            ],
            cross_channel=stats.cross_channel,
            cross_channel_share=stats.cross_channel_share,
            no_shows=stats.no_shows,
            no_show_rate=stats.no_show_rate,
            notified=stats.notified,
            notified_share=stats.notified_share,
            bought_in_store=stats.bought_in_store,
            shipped=stats.shipped,
        )


@strawberry.type(description="Returns requested on one day through one channel.")
class ReturnStats:
    day: date
    store_id: str | None = strawberry.field(description="Where received (None: not yet, or chain).")
    channel: ReturnChannel
    requested: int
    refunded: int
    seconds_to_refund_p50: float | None
    seconds_to_refund_p90: float | None
    cross_channel: int = strawberry.field(
        description="Bought online and returned in a store, or bought in a store and sent back."
    )

    @classmethod
    def of(cls, stats: journey_queries.ReturnStats) -> ReturnStats:
        return cls(
            day=stats.day,
            store_id=stats.store_id,
            channel=ReturnChannel(stats.channel),
            requested=stats.requested,
            refunded=stats.refunded,
            seconds_to_refund_p50=stats.seconds_to_refund_p50,
            seconds_to_refund_p90=stats.seconds_to_refund_p90,
            cross_channel=stats.cross_channel,
        )
