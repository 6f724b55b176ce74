"""Shares, their deliveries, answers and answer lines carry their family (the tenant, the
future shard key), always the list's: set by the services, enforced on PostgreSQL."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from families.tests.factories import FamilyFactory, MembershipFactory
from lists.tests.factories import ListItemFactory
from vendors import answers, services
from vendors.models import ShareDelivery, VendorAnswer, VendorAnswerLine, VendorShare
from vendors.tests.factories import VendorAnswerFactory, VendorFactory

pytestmark = pytest.mark.django_db


def test_sending_and_answering_set_the_family_everywhere(whatsapp_on):
    member = MembershipFactory()
    item = ListItemFactory(grocery_list__family=member.family, name="Apples")
    share = services.share_send(
        grocery_list=item.grocery_list,
        vendor=VendorFactory(),
        message="",
        actor=member.user,
        base_url="http://testserver/",
    )
    answers.answer_submit(
        share=share,
        lines=[
            answers.AnswerLineInput(
                list_item=item, availability="available", substitute="", unit_price=Decimal("1")
            )
        ],
        note="",
        delivery_time=None,
    )
    family = member.family_id
    assert VendorShare.objects.get().family_id == family
    assert ShareDelivery.objects.get().family_id == family
    assert VendorAnswer.objects.get().family_id == family
    assert VendorAnswerLine.objects.get().family_id == family


@pytest.mark.postgres
@pytest.mark.parametrize("model", ["share", "delivery", "answer", "line"])
def test_a_row_in_another_family_than_its_parent_is_refused(model):
    answer = VendorAnswerFactory()
    share = answer.share
    other = FamilyFactory()
    rows = {
        "share": lambda: VendorShare.objects.filter(pk=share.pk).update(family=other),
        "delivery": lambda: ShareDelivery.objects.create(
            share=share, family=other, number=1, vendor_url="https://grocer.example/v/x/"
        ),
        "answer": lambda: VendorAnswer.objects.filter(pk=answer.pk).update(family=other),
        "line": lambda: VendorAnswerLine.objects.create(answer=answer, family=other, name="x"),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        rows[model]()
