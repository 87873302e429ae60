"""CustomerProfile: given past events, when a command, then new events or a refusal."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from domain.customer.consent import Consent, ConsentSource, MarketingChannel, MessageKind
from domain.customer.profile import CustomerProfile, ErasureUnderWay, ProfileMerged, SameCustomer
from domain.values import customer_profile_id
from tests.gwt import GIVEN_AT, domain_fields, event, given

AT = GIVEN_AT
LATER = AT + timedelta(days=3)
EMAIL, SMS = MarketingChannel.EMAIL, MarketingChannel.SMS
WEB, TILL = ConsentSource.WEB, ConsentSource.TILL
REMINDER = MessageKind.ABANDONED_CART_REMINDER
OPENED = event(CustomerProfile.Opened, customer_id="cust-ada", at=AT)
EMAIL_YES = event(
    CustomerProfile.ConsentGiven, channel=EMAIL, source=WEB, wording_version="mkt-v1", at=AT
)
EMAIL_NO = event(
    CustomerProfile.ConsentWithdrawn, channel=EMAIL, source=TILL, wording_version="mkt-v1", at=AT
)
ERASURE = event(CustomerProfile.ErasureRequested, reason="moving abroad", at=AT)
MERGED_AWAY = event(
    CustomerProfile.MergedInto, customer_id="cust-ada", survivor_id="cust-ada-2", at=AT
)


def ada(*history):  # type: ignore[no-untyped-def]
    return given(*history, stream_id=customer_profile_id("cust-ada"))


def profile_of(customer_id: str, *history):  # type: ignore[no-untyped-def]
    opened = event(CustomerProfile.Opened, customer_id=customer_id, at=AT)
    return given(opened, *history, stream_id=customer_profile_id(customer_id)).aggregate


class TestConsent:
    def test_a_profile_is_one_stream_per_customer(self) -> None:
        profile = ada().when(lambda _: CustomerProfile.open("cust-ada", AT)).then(OPENED)
        assert profile.id == customer_profile_id("cust-ada") and profile.consents == {}

    def test_consent_records_the_channel_source_wording_and_time(self) -> None:
        profile = (
            ada(OPENED).when(lambda p: p.give_consent(EMAIL, WEB, "mkt-v1", AT)).then(EMAIL_YES)
        )
        assert profile.consents[EMAIL] == Consent(EMAIL, True, WEB, "mkt-v1", AT)

    def test_the_same_yes_again_records_nothing(self) -> None:
        ada(OPENED, EMAIL_YES).when(
            lambda p: p.give_consent(EMAIL, TILL, "mkt-v1", LATER)
        ).then_nothing()

    def test_a_yes_to_new_wording_is_recorded_again(self) -> None:
        ada(OPENED, EMAIL_YES).when(lambda p: p.give_consent(EMAIL, TILL, "mkt-v2", LATER)).then(
            event(
                CustomerProfile.ConsentGiven,
                channel=EMAIL,
                source=TILL,
                wording_version="mkt-v2",
                at=LATER,
            )
        )

    def test_withdrawal_is_one_command_like_consent(self) -> None:
        profile = (
            ada(OPENED, EMAIL_YES)
            .when(lambda p: p.withdraw_consent(EMAIL, TILL, "mkt-v1", AT))
            .then(EMAIL_NO)
        )
        assert not profile.consents[EMAIL].granted

    def test_withdrawing_what_was_never_given_records_nothing(self) -> None:
        ada(OPENED).when(lambda p: p.withdraw_consent(SMS, WEB, "mkt-v1", AT)).then_nothing()


class TestWhatMayBeSent:
    def test_marketing_needs_consent_for_its_channel(self) -> None:
        profile = ada(OPENED, EMAIL_YES).aggregate
        assert profile.may_receive(REMINDER, EMAIL)
        assert not profile.may_receive(REMINDER, SMS)

    def test_marketing_stops_when_consent_is_withdrawn(self) -> None:
        assert not ada(OPENED, EMAIL_YES, EMAIL_NO).aggregate.may_receive(REMINDER, EMAIL)

    def test_transactional_messages_need_no_consent(self) -> None:
        profile = ada(OPENED, EMAIL_YES, EMAIL_NO).aggregate
        assert profile.may_receive(MessageKind.PICKUP_READY, EMAIL)
        assert profile.may_receive(MessageKind.REFUND_DONE, SMS)

    def test_no_marketing_once_erasure_is_asked_for(self) -> None:
        assert not ada(OPENED, EMAIL_YES, ERASURE).aggregate.may_receive(REMINDER, EMAIL)

    def test_a_marketing_message_sent_is_a_fact_on_the_profile(self) -> None:
        cart = UUID("0a0a0a0a-0000-4000-8000-000000000001")
        ada(OPENED, EMAIL_YES).when(
            lambda p: p.record_marketing_sent(REMINDER, EMAIL, cart, AT)
        ).then(
            event(CustomerProfile.MarketingSent, message=REMINDER, channel=EMAIL, about=cart, at=AT)
        )


class TestMerging:
    def test_the_duplicates_newer_decisions_come_to_the_survivor(self) -> None:
        def sms(kind: type, at: object) -> object:
            return event(kind, channel=SMS, source=TILL, wording_version="v1", at=at)

        survivor = profile_of("cust-ada", sms(CustomerProfile.ConsentGiven, AT))
        duplicate = profile_of(
            "cust-ada-2",
            EMAIL_YES,
            sms(CustomerProfile.ConsentGiven, LATER),
            sms(CustomerProfile.ConsentWithdrawn, LATER),
        )
        survivor.absorb(duplicate, LATER)
        assert not survivor.may_receive(REMINDER, SMS)  # the duplicate's later no wins
        assert survivor.may_receive(REMINDER, EMAIL)  # a channel only the duplicate had
        assert survivor.merged_from == ["cust-ada-2"] and duplicate.merged_into == "cust-ada"
        assert [domain_fields(e) for e in duplicate.collect_events()] == [
            {"customer_id": "cust-ada-2", "survivor_id": "cust-ada", "at": LATER}
        ]
        assert [domain_fields(e) for e in survivor.collect_events()] == [
            {
                "duplicate_id": "cust-ada-2",
                "consents": [
                    Consent(EMAIL, True, WEB, "mkt-v1", AT),
                    Consent(SMS, False, TILL, "v1", LATER),
                ],
                "at": LATER,
            }
        ]

    def test_the_survivors_own_newer_decision_stays(self) -> None:
        survivor = profile_of(
            "cust-ada",
            event(
                CustomerProfile.ConsentWithdrawn,
                channel=EMAIL,
                source=WEB,
                wording_version="mkt-v1",
                at=LATER,
            ),
        )
        duplicate = profile_of("cust-ada-2", EMAIL_YES)
        survivor.absorb(duplicate, LATER)
        assert not survivor.may_receive(REMINDER, EMAIL)

    def test_a_profile_merged_away_takes_no_consent(self) -> None:
        ada(OPENED, MERGED_AWAY).when(
            lambda p: p.give_consent(EMAIL, WEB, "mkt-v1", AT)
        ).then_raises(ProfileMerged, survivor_id="cust-ada-2")

    def test_a_profile_cannot_absorb_itself(self) -> None:
        ada(OPENED).when(lambda p: p.absorb(p, AT)).then_raises(SameCustomer)

    def test_a_merge_is_refused_while_the_duplicate_is_being_erased(self) -> None:
        duplicate = profile_of("cust-ada-2", ERASURE)
        ada(OPENED).when(lambda p: p.absorb(duplicate, AT)).then_raises(
            ErasureUnderWay, customer_id="cust-ada-2"
        )
        assert duplicate.collect_events() == []

    def test_an_erasure_is_refused_for_a_profile_merged_away(self) -> None:
        ada(OPENED, MERGED_AWAY).when(lambda p: p.request_erasure("please", AT)).then_raises(
            ProfileMerged, customer_id="cust-ada"
        )

    def test_an_erasure_asked_twice_is_recorded_once(self) -> None:
        ada(OPENED, ERASURE).when(lambda p: p.request_erasure("again", AT)).then_nothing()
