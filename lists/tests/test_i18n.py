"""The list page, its sentences and its aisles in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from families.tests.factories import MembershipFactory
from lists import item_services
from lists.models import ListEvent
from lists.sentences import event_sentence
from lists.tests.factories import GroceryListFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_list(client):
    membership = MembershipFactory(user__language="es", user__display_name="Ana")
    grocery_list = GroceryListFactory(family=membership.family, name="Semana")
    item_services.item_add(
        grocery_list=grocery_list, name="tomatoes", quantity_text="2 kg", actor=membership.user
    )
    client.force_login(membership.user)
    return grocery_list


def test_the_list_page_in_spanish(client, spanish_list):
    html = client.get(f"/lists/{spanish_list.id}/").content.decode()
    assert '<html lang="es">' in html
    assert '<label for="add-text">Añadir un artículo</label>' in html
    assert ">Frutas y verduras</h2>" in html  # the aisle
    assert "<strong>1</strong> pendiente" in html
    assert "Ana</span> añadió tomatoes (2 kg)," in html  # the activity sentence
    assert "ahora mismo" in html


def test_the_list_page_in_brazilian_portuguese_from_the_browser(client):
    membership = MembershipFactory(user__language="")
    grocery_list = GroceryListFactory(family=membership.family)
    client.force_login(membership.user)
    html = client.get(f"/lists/{grocery_list.id}/", HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert '<label for="add-text">Adicionar um item</label>' in html
    assert "Ainda não há nada nesta lista." in html


def test_adding_answers_in_the_users_language(client, spanish_list):
    response = client.post(f"/lists/{spanish_list.id}/items/", {"text": "leche x2"}, follow=True)
    assert "Se añadió leche (2) a Lácteos." in response.content.decode()


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "Ana bought milk"),
        ("es", "Ana compró milk"),
        ("pt-br", "Ana comprou milk"),
    ],
)
def test_sentences_follow_the_active_language(language, sentence):
    membership = MembershipFactory(user__display_name="Ana")
    grocery_list = GroceryListFactory(family=membership.family)
    event = ListEvent(
        grocery_list=grocery_list,
        type="item.status_changed",
        actor_label="Ana",
        payload={"name": "milk", "status": "purchased"},
    )
    with translation.override(language):
        assert event_sentence(event) == sentence


@pytest.mark.parametrize(
    ("name", "aisle"),
    [
        ("leche", "dairy"),
        ("tomates", "produce"),
        ("pechuga de pollo", "meat_fish"),
        ("pão de forma", "bakery"),
        ("feijão", "pantry"),
        ("cerveza", "drinks"),
        ("papel higiénico", "household"),
    ],
)
def test_spanish_and_portuguese_names_find_their_aisle(name, aisle):
    from lists.categories import guess_category

    assert guess_category(name) == aisle


def test_an_edit_conflict_is_explained_in_the_users_language():
    membership = MembershipFactory(user__display_name="Ben")
    grocery_list = GroceryListFactory(family=membership.family)
    result = item_services.item_add(
        grocery_list=grocery_list, name="leche", quantity_text="1", actor=membership.user
    )
    item = result.item
    item_services.item_update(
        item_id=item.id,
        grocery_list=grocery_list,
        actor=membership.user,
        changes={"quantity_text": "2"},
        base={"quantity_text": "1"},
    )
    with translation.override("es"), pytest.raises(item_services.ConflictError) as conflict:
        item_services.item_update(
            item_id=item.id,
            grocery_list=grocery_list,
            actor=membership.user,
            changes={"quantity_text": "3"},
            base={"quantity_text": "1"},
        )
    assert conflict.value.messages == ["Ben cambió la cantidad a «2» mientras tanto."]
