"""Quick quantities: the step table, merge-on-add and the +/- service and view."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from families.tests.factories import MembershipFactory
from lists import item_services
from lists.models import ListEvent, ListItem
from lists.quantity import merge_quantities, quantity_steps
from lists.tests.factories import GroceryListFactory, ListItemFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.parametrize(
    ("existing", "added", "expected"),
    [
        ("2", "1", "3"),
        ("", "2", "3"),  # "milk" on the list is one milk
        ("2", "x2", None),  # not a tidy quantity: parse_item_text makes "x2" into "2"
        ("500 g", "1 kg", "1.5 kg"),
        ("1 kg", "500 g", "1.5 kg"),
        ("250 g", "250 g", "500 g"),
        ("1,5 kg", "250 g", "1.75 kg"),
        ("1 l", "500 ml", "1.5 l"),
        ("750 ml", "250 ml", "1 l"),
        ("2 bottles", "1 bottle", "3 bottles"),
        ("1 bottle", "1 bottle", "2 bottles"),
        ("2 pcs", "1", "3 pcs"),
        ("½ dozen", "1 dozen", "1.5 dozen"),
        ("1 1/2 kg", "½ kg", "2 kg"),
        ("two", "3", "5"),
        ("2", "1 kg", None),  # pieces and grams do not add up
        ("1 l", "1 kg", None),
        ("6", "½ dozen", None),  # a dozen is its own unit
        ("2 bottles", "2 cans", None),
        ("a bunch", "1", None),  # not a number: stays text
        ("2", "a few", None),
    ],
)
def test_quantity_merge_table(existing, added, expected):
    assert merge_quantities(existing, added) == expected


@pytest.mark.parametrize(
    ("text", "up", "down"),
    [
        ("", "2", None),
        ("1", "2", None),  # - is disabled at the smallest step
        ("2", "3", "1"),
        ("3 pcs", "4 pcs", "2 pcs"),
        ("2 bottles", "3 bottles", "1 bottle"),
        ("1 bag", "2 bags", None),
        ("50 g", "150 g", None),
        ("100 g", "200 g", None),
        ("900 g", "1 kg", "800 g"),
        ("1 kg", "1.5 kg", "900 g"),
        ("1.5 kg", "2 kg", "1 kg"),
        ("250 ml", "500 ml", None),
        ("750 ml", "1 l", "500 ml"),
        ("1 l", "2 l", "750 ml"),
        ("2 l", "3 l", "1 l"),
        ("½ dozen", "1.5 dozen", None),
        ("a few", None, None),
        ("2 tins or 3 jars", None, None),
    ],
)
def test_quantity_step_table(text, up, down):
    steps = quantity_steps(text)
    assert (steps.up, steps.down) == (up, down)


@pytest.mark.django_db
class TestMergeOnAdd:
    @pytest.fixture
    def setup(self):
        membership = MembershipFactory(user__display_name="Ana")
        return membership.user, GroceryListFactory(family=membership.family)

    def test_adding_a_needed_name_with_a_fitting_quantity_adds_to_it(self, setup):
        user, grocery_list = setup
        first = item_services.item_add(
            grocery_list=grocery_list, actor=user, name="milk", quantity_text="2"
        )
        again = item_services.item_add(
            grocery_list=grocery_list, actor=user, name="Milk", quantity_text="1"
        )
        assert (again.created, again.merged, again.item.pk) == (False, True, first.item.pk)
        item = ListItem.objects.get(grocery_list=grocery_list)
        assert (item.quantity_text, item.version) == ("3", 2)
        event = ListEvent.objects.filter(grocery_list=grocery_list).order_by("-seq").first()
        assert (event.type, event.payload["quantity"], event.actor_label) == (
            "item.updated",
            "3",
            "Ana",
        )

    def test_incompatible_units_or_a_bare_name_only_remind(self, setup):
        user, grocery_list = setup
        item_services.item_add(
            grocery_list=grocery_list, actor=user, name="flour", quantity_text="1 kg"
        )
        for quantity in ("2", ""):
            result = item_services.item_add(
                grocery_list=grocery_list, actor=user, name="flour", quantity_text=quantity
            )
            assert (result.created, result.merged) == (False, False)
        assert ListItem.objects.get(grocery_list=grocery_list).quantity_text == "1 kg"
        assert ListEvent.objects.filter(grocery_list=grocery_list, type="item.updated").count() == 0

    def test_items_in_the_cart_are_not_merged_into(self, setup):
        user, grocery_list = setup
        ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="2", status="in_cart")
        result = item_services.item_add(
            grocery_list=grocery_list, actor=user, name="milk", quantity_text="1"
        )
        assert result.created
        assert ListItem.objects.filter(grocery_list=grocery_list).count() == 2

    def test_the_page_says_what_the_merge_made(self, client, setup):
        user, grocery_list = setup
        client.force_login(user)
        url = reverse("lists:item_add", kwargs={"list_id": grocery_list.id})
        client.post(url, {"text": "500 g flour"})
        response = client.post(url, {"text": "flour 1kg"}, **HTMX)
        assert "flour was already on the list: now 1.5 kg." in response.content.decode()
        assert ListItem.objects.get(grocery_list=grocery_list).quantity_text == "1.5 kg"


@pytest.mark.django_db
class TestQuantityStep:
    @pytest.fixture
    def item(self):
        membership = MembershipFactory(user__display_name="Ana")
        grocery_list = GroceryListFactory(family=membership.family)
        return ListItemFactory(grocery_list=grocery_list, name="flour", quantity_text="900 g")

    def step(self, item, direction, **kwargs):
        return item_services.item_quantity_step(
            item_id=item.id,
            grocery_list=item.grocery_list,
            actor=None,
            direction=direction,
            **kwargs,
        )

    def test_steps_up_and_down_with_events_and_versions(self, item):
        assert self.step(item, "up", version=1).quantity_text == "1 kg"
        assert self.step(item, "up", version=2).quantity_text == "1.5 kg"
        assert self.step(item, "down").quantity_text == "1 kg"
        item.refresh_from_db()
        assert (item.quantity_text, item.version) == ("1 kg", 4)
        events = ListEvent.objects.filter(grocery_list=item.grocery_list, type="item.updated")
        assert [e.payload["quantity"] for e in events.order_by("seq")] == ["1 kg", "1.5 kg", "1 kg"]

    def test_a_press_based_on_an_old_version_changes_nothing(self, item):
        self.step(item, "up", version=1)
        with pytest.raises(item_services.StaleVersionError) as stale:
            self.step(item, "up", version=1)  # someone else pressed first
        assert stale.value.item.quantity_text == "1 kg"
        item.refresh_from_db()
        assert (item.quantity_text, item.version) == ("1 kg", 2)

    def test_never_below_the_smallest_step_nor_on_text(self, item):
        ListItem.objects.filter(pk=item.pk).update(quantity_text="100 g")
        with pytest.raises(ValidationError, match="smallest amount"):
            self.step(item, "down")
        ListItem.objects.filter(pk=item.pk).update(quantity_text="a few")
        with pytest.raises(ValidationError, match="cannot be changed"):
            self.step(item, "up")
        with pytest.raises(ValidationError):
            self.step(item, "sideways")
        item.refresh_from_db()
        assert (item.quantity_text, item.version) == ("a few", 1)

    def test_views_with_and_without_js(self, client, item):
        user = item.grocery_list.family.memberships.get().user
        client.force_login(user)
        url = reverse(
            "lists:item_quantity", kwargs={"list_id": item.grocery_list_id, "item_id": item.id}
        )
        response = client.post(url, {"direction": "up", "version": "1"})
        assert response.status_code == 302 and response.url.endswith(f"#item-{item.id}")
        response = client.post(url, {"direction": "up", "version": "2"}, **HTMX)
        html = response.content.decode()
        assert response.status_code == 200
        assert '<span class="item-qty">1.5 kg</span>' in html
        assert 'aria-label="More flour, 2 kg"' in html and 'name="version" value="3"' in html
        stale = client.post(url, {"direction": "up", "version": "1"}, **HTMX)
        assert stale.status_code == 409
        assert "flour changed meanwhile: it is now 1.5 kg." in stale.content.decode()
        bad = client.post(url, {"direction": "nope"}, **HTMX)
        assert bad.status_code == 400
        item.refresh_from_db()
        assert item.quantity_text == "1.5 kg"

    def test_the_conflict_notice_is_in_the_members_language(self, client, item):
        user = item.grocery_list.family.memberships.get().user
        user.language = "es"
        user.save(update_fields=["language"])
        client.force_login(user)
        url = reverse(
            "lists:item_quantity", kwargs={"list_id": item.grocery_list_id, "item_id": item.id}
        )
        assert client.post(url, {"direction": "up", "version": "1"}, **HTMX).status_code == 200
        stale = client.post(url, {"direction": "up", "version": "1"}, **HTMX)
        assert stale.status_code == 409
        assert "flour cambió mientras tanto: ahora es 1 kg." in stale.content.decode()
        ListItem.objects.filter(pk=item.pk).update(quantity_text="", version=5)
        stale = client.post(url, {"direction": "up", "version": "1"}, **HTMX)
        assert "flour cambió mientras tanto: ahora es uno." in stale.content.decode()

    def test_minus_is_disabled_at_the_smallest_step_on_the_page(self, client, item):
        ListItem.objects.filter(pk=item.pk).update(quantity_text="1")
        client.force_login(item.grocery_list.family.memberships.get().user)
        html = client.get(reverse("lists:detail", kwargs={"list_id": item.grocery_list_id}))
        html = html.content.decode()
        assert 'class="step-down" disabled aria-label="Less flour"' in html

    def test_another_familys_member_gets_404(self, client, item):
        client.force_login(MembershipFactory().user)
        url = reverse(
            "lists:item_quantity", kwargs={"list_id": item.grocery_list_id, "item_id": item.id}
        )
        assert client.post(url, {"direction": "up"}).status_code == 404
        item.refresh_from_db()
        assert item.quantity_text == "900 g"
