"""Consent to marketing: what a customer agreed to, per channel, and `setConsent`, for the
customer themself or recorded in person by a till or the service desk. Withdrawing is the same
call with `granted: false`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.auth import Role
from api.graphql.common import Payload, attempt
from api.graphql.context import Info
from api.graphql.enums import ConsentSource, MarketingChannel
from api.graphql.errors import UserError, invalid
from api.graphql.limits import ID_LIMIT, described
from domain.customer.consent import Consent as ConsentValue
from domain.usecases.base import Done
from domain.usecases.customers import ConsentsNow


@strawberry.type(description="The customer's last word on marketing over one channel.")
class Consent:
    channel: MarketingChannel
    granted: bool
    source: ConsentSource = strawberry.field(description="Where it was given or withdrawn.")
    wording_version: str = strawberry.field(description="The text they said yes or no to.")
    at: datetime

    @classmethod
    def of(cls, consent: ConsentValue) -> Consent:
        return cls(
            channel=consent.channel,
            granted=consent.granted,
            source=consent.source,
            wording_version=consent.wording_version,
            at=consent.at,
        )


@strawberry.type
class SetConsentPayload(Payload):
    customer_id: str | None = None
    consents: list[Consent] | None = strawberry.field(
        default=None, description="Every channel's last word after this one."
    )


@strawberry.type
class ConsentMutations:
    @strawberry.mutation(
        description="Yes (granted: true) or no to marketing on a channel, to a version of its "
        "wording. A customer sets their own; a till or the service desk records one given in "
        "person, naming the customer. The same answer again changes nothing."
    )
    async def set_consent(
        self,
        info: Info,
        channel: MarketingChannel,
        granted: bool,
        wording_version: Annotated[
            str, described(f"The version of the text shown to the customer. {ID_LIMIT}")
        ],
        customer_id: Annotated[
            str | None, described(f"Whose: for a till or the service desk. {ID_LIMIT}")
        ] = None,
    ) -> SetConsentPayload:
        context = info.context
        caller = context.require(Role.CUSTOMER, Role.POS, Role.STAFF)
        if customer_id is None:
            if caller.role is not Role.CUSTOMER:
                return SetConsentPayload(user_errors=[_whose()])
            customer_id = caller.subject
        use_case = context.services.service.set_consent
        outcome = await attempt(
            use_case(customer_id, channel, granted, wording_version, context.command())
        )
        return _payload(outcome)


def _whose() -> UserError:
    return invalid("customerId", "say whose consent this is")


def _payload(outcome: Done[ConsentsNow] | UserError) -> SetConsentPayload:
    if isinstance(outcome, UserError):
        return SetConsentPayload(user_errors=[outcome])
    return SetConsentPayload(
        user_errors=[],
        position=outcome.position.token(),
        customer_id=outcome.result.customer_id,
        consents=[Consent.of(consent) for consent in outcome.result.consents],
    )
