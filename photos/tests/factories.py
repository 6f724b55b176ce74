import uuid

import factory

from lists.tests.factories import ListItemFactory
from photos.models import Photo


class ItemPhotoFactory(factory.django.DjangoModelFactory):
    """A recorded item photo (row only: tests that need the objects put them in storage)."""

    class Meta:
        model = Photo

    kind = Photo.Kind.ITEM
    item = factory.SubFactory(ListItemFactory)
    family = factory.LazyAttribute(lambda photo: photo.item.grocery_list.family)
    key = factory.LazyAttribute(
        lambda photo: f"families/{photo.family.pk}/items/{photo.item.pk}/{uuid.uuid4().hex}.jpg"
    )
    content_type = "image/jpeg"
    size = 1000
    width = 640
    height = 480
