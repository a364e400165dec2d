"""
One endpoint per stock pagination class of Django REST framework, configured by class attributes.

Each filters by django-filter's ``timestamp__gte`` and ``timestamp__lt``. The cursor endpoint also
wants ``Authorization: Token <key>`` (TokenAuthentication).
"""

from django.urls import path
from rest_framework import generics, pagination, permissions, serializers
from rest_framework.authentication import TokenAuthentication

from ratings.models import Rating


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ("id", "userId", "movieId", "rating", "timestamp")


class Ratings(generics.ListAPIView):
    queryset = Rating.objects.all()
    serializer_class = RatingSerializer
    filterset_fields = {"timestamp": ("gte", "lt")}  # noqa: RUF012 - read by django-filter, never changed


class PageNumber(pagination.PageNumberPagination):
    page_size_query_param = "page_size"


class Cursor(pagination.CursorPagination):
    ordering = ("timestamp", "id")


class RatingsByLimitOffset(Ratings):
    pagination_class = pagination.LimitOffsetPagination


class RatingsByPageNumber(Ratings):
    pagination_class = PageNumber


class RatingsByCursor(Ratings):
    pagination_class = Cursor
    authentication_classes = (TokenAuthentication,)
    permission_classes = (permissions.IsAuthenticated,)


urlpatterns = [
    path("limit-offset/ratings/", RatingsByLimitOffset.as_view()),
    path("page-number/ratings/", RatingsByPageNumber.as_view()),
    path("cursor/ratings/", RatingsByCursor.as_view()),
]
