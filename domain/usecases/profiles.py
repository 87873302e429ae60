"""A customer's profile as the use cases read it: opened on first use, followed through merges
to the survivor, and known only when something names the customer."""

from __future__ import annotations

from datetime import datetime

from domain.customer.model import CustomerCarts
from domain.customer.profile import CustomerProfile
from domain.errors import DomainError, ErrorCode
from domain.usecases.base import UseCases
from domain.values import customer_carts_id, customer_profile_id

# A survivor may itself be merged later; a chain longer than this is a bug, not a customer.
MAX_MERGE_HOPS = 20


class UnknownCustomer(DomainError):
    code = ErrorCode.UNKNOWN_CUSTOMER
    subject = "customer_id"
    message = "there is no customer {customer_id}"


class CustomerProfiles(UseCases):
    async def _profile(self, customer_id: str, at: datetime) -> CustomerProfile:
        """The customer's profile stream, opened on first use."""
        found = await self.repository.find(customer_profile_id(customer_id), CustomerProfile)
        return found if found is not None else CustomerProfile.open(customer_id, at)

    async def survivor_of(self, customer_id: str) -> str:
        """The profile a customer id stands for now: itself, or the one it was merged into."""
        for _ in range(MAX_MERGE_HOPS):
            profile = await self.repository.find(customer_profile_id(customer_id), CustomerProfile)
            if profile is None or profile.merged_into is None:
                return customer_id
            customer_id = profile.merged_into
        raise AssertionError(f"merges of {customer_id} go round in circles")

    async def _require_known_customer(self, customer_id: str) -> None:
        """Known from the directory, or from a profile or carts of their own: a signed-in
        customer is known by their first cart even if the directory never heard of them."""
        if self.customers is not None and await self.customers.customer(customer_id):
            return
        for stream_id, cls in (
            (customer_profile_id(customer_id), CustomerProfile),
            (customer_carts_id(customer_id), CustomerCarts),
        ):
            if await self.repository.find(stream_id, cls) is not None:
                return
        raise UnknownCustomer(customer_id=customer_id)
